"""Which catalogue products a shopper's words name (commerce/search.py)."""

from __future__ import annotations

from commerce.search import rank, text_words

TAU_LIKE = [
    ("1", "Smart Watch"),
    ("2", "Smart Thermostat"),
    ("3", "Wristwatch"),
    ("4", "T-Shirt"),
    ("5", "E-Reader"),
    ("6", "Office Chair"),
    ("7", "LED Light Bulb"),
]
DEMO_LIKE = [
    ("P-1", "Timberline Sun Hoodie"),
    ("P-2", "Coastal Sun Hoodie"),
    ("P-3", "Timberline Daypack"),
    ("P-4", "Granite Daypack"),
    ("P-5", "Timberline Rain Jacket"),
]


def _ids(text: str, catalogue: list[tuple[str, str]]) -> list[str]:
    return [s.product_id for s in rank(text, catalogue)]


def test_a_whole_name_scores_one_and_a_name_sharing_a_word_less() -> None:
    scored = rank("how much is the smart watch?", TAU_LIKE)
    assert [s.product_id for s in scored[:2]] == ["1", "2"]
    assert scored[0].score == 1.0
    assert scored[1].score < 0.6


def test_hyphens_spaces_and_plurals_reach_the_same_product() -> None:
    for typed in ("t-shirt", "T shirt", "tshirts", "how many T-Shirts do you have"):
        assert _ids(typed, TAU_LIKE)[:1] == ["4"], typed
    assert _ids("does the e reader come in black", TAU_LIKE)[:1] == ["5"]


def test_one_typo_in_a_long_word_is_forgiven_at_a_lower_score() -> None:
    scored = rank("office chiar", TAU_LIKE)
    assert scored[0].product_id == "6"
    assert 0.8 < scored[0].score < 1.0


def test_a_word_many_names_share_counts_for_less_than_a_rare_one() -> None:
    by_id = {s.product_id: s.score for s in rank("granite daypack", DEMO_LIKE)}
    assert by_id["P-4"] == 1.0
    assert by_id["P-3"] < 0.6
    shared = {s.product_id: s.score for s in rank("the timberline one", DEMO_LIKE)}
    assert max(shared.values()) < 0.5


def test_close_names_score_alike_so_the_caller_can_ask_which_one() -> None:
    scores = {s.product_id: s.score for s in rank("the sun hoodie", DEMO_LIKE)}
    assert set(scores) == {"P-1", "P-2"}
    assert abs(scores["P-1"] - scores["P-2"]) < 0.1


def test_words_that_name_no_product_find_nothing() -> None:
    assert rank("where is my parcel?", DEMO_LIKE) == []
    assert rank("", DEMO_LIKE) == []
    assert rank("?!", TAU_LIKE) == []


def test_short_words_are_not_read_with_a_typo() -> None:
    assert "7" not in _ids("is it lit", TAU_LIKE)


def test_typed_words_include_each_pair_run_together() -> None:
    assert {"tshirt", "ereader"} <= text_words("a t shirt and an e reader")
