"""What the scrubber leaves in a shopper's message, and what it puts in place of the rest."""

from __future__ import annotations

from typing import Any

import pytest

from guardrails.pii import Finding, Scrubber, scrub
from guardrails.pii.config import DEFAULT_CONFIG, PiiConfigError, load_config
from guardrails.pii.scrubber import load_ner, mask, ner_and_its_layers, pseudonym


def test_scrub_replaces_each_value_by_its_operator(scrubber: Scrubber) -> None:
    text = (
        "Hi, I'm Laura Chen, laura.chen@example.com, card 4242 4242 4242 4242, "
        "ship to 48 Birch Avenue, Portland, OR 97205"
    )
    out = scrubber.scrub(text)
    assert "Laura" not in out and "Chen" not in out
    assert "laura.chen" not in out
    assert "4242 4242 4242 4242" not in out and "**** **** **** 4242" in out  # mask, last 4
    assert "Birch" not in out and "<STREET_ADDRESS>" in out  # tag
    assert "<PERSON>" in out
    assert "<EMAIL_ADDRESS_" in out  # keyed pseudonym


def test_same_email_gives_the_same_pseudonym_in_any_case(scrubber: Scrubber) -> None:
    first = scrubber.scrub("my email is Ann.Lee@Example.com")
    second = scrubber.scrub("it's ann.lee@example.com again")
    other = scrubber.scrub("or bob.lee@example.com")
    token = first.split()[-1]
    assert token.startswith("<EMAIL_ADDRESS_")
    assert token in second
    assert token not in other


@pytest.mark.parametrize(
    "text",
    [
        "c1b0346582@example.com",
        "reach me at +1 415 555 0132 or jo.park9174@example.org",
        "card 4242 4242 4242 4242, I'm Laura Chen",
    ],
)
def test_scrubbing_scrubbed_text_again_changes_nothing(scrubber: Scrubber, text: str) -> None:
    once = scrubber.scrub(text)
    assert scrubber.scrub(once) == once


@pytest.mark.parametrize(
    "token", ["<EMAIL_ADDRESS_c1b0346582>", "<PHONE_NUMBER_5550132999>", "<PERSON>"]
)
def test_the_scrubbers_own_tokens_are_never_scrubbed(scrubber: Scrubber, token: str) -> None:
    # A pseudonym's digits look like a phone number to the phone recognizer.
    assert scrubber.scrub(f"my e-mail is {token}, thanks") == f"my e-mail is {token}, thanks"


def test_pseudonyms_depend_on_the_key() -> None:
    assert pseudonym(b"a", "EMAIL_ADDRESS", "x@y.io") != pseudonym(b"b", "EMAIL_ADDRESS", "x@y.io")


def test_mask_keeps_separators_and_the_last_characters() -> None:
    assert mask("4242-4242-4242-4242", 4) == "****-****-****-4242"
    assert mask("12", 4) == "12"


def test_analyze_reports_type_position_and_score(scrubber: Scrubber) -> None:
    text = "write to jo@shop.example please"
    findings = scrubber.analyze(text)
    assert findings == [Finding("EMAIL_ADDRESS", 9, 24, findings[0].score)]
    assert text[findings[0].start : findings[0].end] == "jo@shop.example"
    assert 0.5 <= findings[0].score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "where is AC-104233?",
        "order #W2378156 never came",
        "tracking 9400111202555842332669 says delivered",
        "UPS 1Z999AA10123456784 hasn't moved",
        "fedex 277123456789",
        "I want to swap P-1042-BLK-M for the large",
        "item 1008292230 arrived broken",
        "it cost $129.99 and I paid 45.00 USD shipping",
        "3 items on the way, 2 weeks late",
        "",
        "   ",
    ],
)
def test_order_ids_tracking_numbers_skus_and_prices_are_never_redacted(
    scrubber: Scrubber, text: str
) -> None:
    assert scrubber.scrub(text) == text


def test_scrub_data_reaches_strings_inside_payloads(scrubber: Scrubber) -> None:
    event = {"text": "I'm at 9 Elm St, Boise, ID 83702", "n": 3, "tags": ["mail me@x.org"]}
    out = scrubber.scrub_data(event)
    assert "Elm" not in out["text"] and out["n"] == 3
    assert "me@x.org" not in out["tags"][0]


def test_module_scrub_uses_the_shared_scrubber(scrubber: Scrubber) -> None:
    assert scrub("call +44 20 7946 0958") == scrubber.scrub("call +44 20 7946 0958")
    assert "7946" not in scrub("call +44 20 7946 0958")


def test_shipped_config_is_what_get_scrubber_uses(scrubber: Scrubber) -> None:
    assert scrubber.config == load_config(DEFAULT_CONFIG)


def test_the_shipped_models_ner_is_loaded_without_the_components_it_never_reads(
    scrubber: Scrubber,
) -> None:
    """The CNN model's NER has its own token-to-vector layer: tagger, parser and the rest stay
    on disk, and the names found are the full pipeline's (docs/performance.md, eighteenth step).
    """
    import spacy

    model = load_config(DEFAULT_CONFIG).spacy_model
    alone = load_ner(model)
    full = spacy.load(model)
    assert alone.component_names == ["ner"]  # not loaded at all, not merely disabled
    assert scrubber._nlp.component_names == ["ner"]
    text = "Hi, this is Maria Lopez; my neighbour Jacob Smith signed for the parcel in Leeds."
    assert [(e.text, e.label_) for e in alone(text).ents] == [
        (e.text, e.label_) for e in full(text).ents
    ]
    assert ("Maria Lopez", "PERSON") in [(e.text, e.label_) for e in alone(text).ents]


def listening(upstream: str, architecture: str = "spacy.Tok2VecListener.v1") -> dict[str, Any]:
    """A component's model config whose token vectors come from ``upstream``'s layer."""
    return {"tok2vec": {"@architectures": architecture, "upstream": upstream}}


@pytest.mark.parametrize(
    ("components", "kept"),
    [
        pytest.param(  # a transformer model: "*" is any shared layer
            {
                "transformer": {"factory": "transformer"},
                "tagger": {"factory": "tagger", "model": listening("*")},
                "ner": {
                    "factory": "ner",
                    "model": listening("*", "spacy-transformers.TransformerListener.v1"),
                },
            },
            {"ner", "transformer"},
            id="any shared layer",
        ),
        pytest.param(
            {
                "tok2vec": {"factory": "tok2vec"},
                "other_tok2vec": {"factory": "tok2vec"},
                "parser": {"factory": "parser", "model": listening("tok2vec")},
                "ner": {"factory": "ner", "model": listening("tok2vec")},
            },
            {"ner", "tok2vec"},
            id="one named layer, not the other",
        ),
        pytest.param(
            {
                "shop_vectors": {"factory": "my_vectors"},
                "tok2vec": {"factory": "tok2vec"},
                "ner": {"factory": "ner", "model": listening("shop_vectors")},
            },
            {"ner", "shop_vectors"},
            id="a named layer of any factory",
        ),
    ],
)
def test_a_ner_keeps_exactly_the_layers_its_listener_names(
    components: dict[str, Any], kept: set[str]
) -> None:
    assert ner_and_its_layers(components) == kept


def test_a_ner_listening_to_a_layer_the_model_lacks_is_refused() -> None:
    """Its listener would give zero vectors, and the NER would find no one, silently."""
    with pytest.raises(PiiConfigError, match="tok2vec"):
        ner_and_its_layers({"ner": {"factory": "ner", "model": listening("tok2vec")}})
