"""The PII config fails closed: a broken or missing file stops the scrubber from being built."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardrails.pii import PiiConfigError, Scrubber, get_scrubber
from guardrails.pii.config import CONFIG_ENV, DEFAULT_CONFIG, load_config


def write_config(tmp_path: Path, **changes: object) -> Path:
    """The shipped config with some keys changed (None removes the key)."""
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    path = tmp_path / "pii.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_shipped_config_is_valid() -> None:
    config = load_config(DEFAULT_CONFIG)
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE"} <= set(
        config.entities
    )
    assert "STREET_ADDRESS" in config.entities


def test_when_config_file_is_missing_then_loading_fails(tmp_path: Path) -> None:
    with pytest.raises(PiiConfigError, match="cannot be read"):
        load_config(tmp_path / "absent.yml")


def test_when_env_names_a_missing_file_then_the_scrubber_is_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "absent.yml"))
    get_scrubber.cache_clear()
    try:
        with pytest.raises(PiiConfigError):
            get_scrubber()
    finally:
        monkeypatch.delenv(CONFIG_ENV)
        get_scrubber.cache_clear()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"entities": {"PERSON": {"operator": "shred"}}}, "operator"),
        ({"entities": {}}, "no entity types"),
        ({"recognizers": ["email", "telepathy"]}, "unknown recognizer"),
        ({"keep": {"order_id": "AC-(\\d{6}"}}, "does not compile"),
        ({"score_threshold": 1.5}, "score_threshold"),
        ({"spacy_model": None}, "spacy_model"),
        ({"entities": {"PERSON": {"operator": "tag", "keep_last": 2}}}, "keep_last"),
        (
            {
                "tracker": {
                    "key_env": "K",
                    "encrypt_slots": ["order_id"],
                    "shapes": {"order_ref": "AC-\\d{6}"},
                    "keep_slots": {"order_id": ["order_ref"]},
                }
            },
            "both kept and encrypted",
        ),
        (
            {"tracker": {"key_env": "K", "keep_slots": {"order_id": ["order_number"]}}},
            "unknown shapes",
        ),
        ({"tracker": {"key_env": "K", "keep_slots": {"order_id": []}}}, "names no shape"),
        ({"tracker": {"key_env": "K", "shapes": {"order_ref": "AC-(\\d"}}}, "does not compile"),
        ({"tracker": {"key_env": "K", "scrub_slots": ["cancel_reason"]}}, "extra fields"),
        ({"tracker": None}, "tracker"),
        ({"typo_key": 1}, "extra fields not permitted"),
    ],
)
def test_when_config_is_invalid_then_loading_fails_with_the_reason(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(PiiConfigError, match=message):
        load_config(write_config(tmp_path, **changes))


def test_when_yaml_is_broken_then_loading_fails(tmp_path: Path) -> None:
    path = tmp_path / "pii.yml"
    path.write_text("entities: [unclosed\n")
    with pytest.raises(PiiConfigError, match="not valid YAML"):
        load_config(path)


def test_when_pseudonyms_are_configured_without_a_key_then_the_scrubber_is_refused() -> None:
    with pytest.raises(PiiConfigError, match="AFTERCARE_PII_PSEUDONYM_KEY"):
        Scrubber(load_config(DEFAULT_CONFIG), pseudonym_key=None)


def test_when_an_entity_has_no_recognizer_then_the_scrubber_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, entities={"US_PASSPORT": {"operator": "tag"}})
    with pytest.raises(PiiConfigError, match="US_PASSPORT"):
        Scrubber(load_config(path), pseudonym_key=b"k")


def test_when_the_spacy_model_is_not_installed_then_the_scrubber_is_refused_without_a_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Presidio's own loader runs ``spacy download`` for a missing model: never at run time."""
    import spacy.cli

    def download(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a model download was attempted: {args}")

    monkeypatch.setattr(spacy.cli, "download", download)
    path = write_config(tmp_path, spacy_model="en_core_web_lg")
    with pytest.raises(PiiConfigError, match="en_core_web_lg.*not an installed package"):
        Scrubber(load_config(path), pseudonym_key=b"k")
