"""The merchant policy file is validated: a typo stops the assistant instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from merchants.policy import DEFAULT_POLICY_PATH, Remedy, describe_remedies, parse_policy


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def demo() -> dict:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text())


def test_demo_policy_is_valid() -> None:
    policy = parse_policy(DEFAULT_POLICY_PATH)
    assert policy.verification.max_failed_attempts == 5


def test_when_a_key_is_misspelled_then_loading_fails(tmp_path: Path) -> None:
    data = demo()
    data["shipping"]["lost"]["remedys"] = data["shipping"]["lost"].pop("remedies")
    with pytest.raises(ValidationError):
        parse_policy(write(tmp_path, data))


def test_when_a_remedy_is_unknown_then_loading_fails(tmp_path: Path) -> None:
    data = demo()
    data["shipping"]["lost"]["remedies"] = ["reship", "free puppy"]
    with pytest.raises(ValidationError):
        parse_policy(write(tmp_path, data))


def test_when_file_is_empty_then_loading_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mapping"):
        parse_policy(write(tmp_path, None))


def test_when_file_is_missing_then_loading_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        parse_policy(tmp_path / "nope.yml")


@pytest.mark.parametrize(
    ("remedies", "phrase"),
    [
        ([Remedy.refund], "get a full refund"),
        ([Remedy.reship, Remedy.refund], "have a replacement sent at no cost or get a full refund"),
        (
            [Remedy.wait, Remedy.reship, Remedy.handoff],
            "wait for the new delivery date, have a replacement sent at no cost"
            " or talk to one of our team",
        ),
    ],
)
def test_remedies_read_as_one_phrase(remedies: list[Remedy], phrase: str) -> None:
    assert describe_remedies(remedies) == phrase


def test_the_demo_policy_has_the_english_only_sentence_in_spanish() -> None:
    assert "inglés" in parse_policy(DEFAULT_POLICY_PATH).other_languages["es"]


def test_a_policy_without_language_sentences_is_valid(tmp_path: Path) -> None:
    data = demo()
    data.pop("other_languages", None)
    assert parse_policy(write(tmp_path, data)).other_languages == {}


@pytest.mark.parametrize("sentences", [{"Spanish": "Hola"}, {"esp": "Hola"}, {"es": "  "}])
def test_when_a_language_sentence_is_misnamed_or_blank_then_loading_fails(
    tmp_path: Path, sentences: dict[str, str]
) -> None:
    data = demo()
    data["other_languages"] = sentences
    with pytest.raises(ValidationError):
        parse_policy(write(tmp_path, data))
