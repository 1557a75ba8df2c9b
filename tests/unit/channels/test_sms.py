"""SMS rendering rules: keywords, SMS-sized parts, numbered options and their mapping back."""

from __future__ import annotations

import pytest

from channels.sms import Keyword, keyword, number_options, option_payload, split_parts


@pytest.mark.parametrize(
    ("text", "opted_out", "expected"),
    [
        ("STOP", False, Keyword.stop),
        ("stop.", False, Keyword.stop),
        (" Unsubscribe ", False, Keyword.stop),
        ("cancel", False, Keyword.stop),  # carriers treat a bare CANCEL as opt-out
        ("cancel my order", False, None),
        ("please stop texting me about AC-123456", False, None),
        ("START", True, Keyword.start),
        ("yes", True, Keyword.start),
        ("yes", False, None),  # an ordinary yes to the bot, not a re-subscription
        ("help", False, Keyword.help),
        ("HELP!", True, Keyword.help),
        ("where is my order", False, None),
        ("", False, None),
    ],
)
def test_keywords_are_whole_messages_only(
    text: str, opted_out: bool, expected: Keyword | None
) -> None:
    assert keyword(text, opted_out) is expected


def test_when_reply_is_long_then_parts_fit_an_sms_and_no_word_is_cut() -> None:
    text = (
        "Order AC-106180 is in transit with USPS, tracking number 9400559028733220239957. "
        "Latest update: Arrived at facility (Chicago, IL) on Nov 23, 11:45. "
        "Expected delivery: Tuesday, November 24. Anything else I can help with today?"
    )
    parts = split_parts(text, 160)
    assert len(parts) == 2
    assert all(len(p) <= 160 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert "9400559028733220239957" in parts[0]


def test_a_long_menu_is_split_between_options_never_inside_one() -> None:
    buttons = [
        {"title": f"AC-10{n}265 · Switchback Travel Pack +2 · Nov 1{n}", "payload": f"/o{n}"}
        for n in range(1, 6)
    ]
    text, _ = number_options("Which order do you mean? Here are your recent ones.", buttons)
    parts = split_parts(text, 160)
    assert len(parts) > 1 and all(len(p) <= 160 for p in parts)
    lines = [line for part in parts for line in part.splitlines()]
    assert lines == text.splitlines()  # every option whole, in one part


def test_when_reply_is_short_then_it_stays_one_part() -> None:
    assert split_parts("  Thanks!  ", 160) == ["Thanks!"]


def test_when_a_word_is_longer_than_a_part_then_it_is_cut_hard() -> None:
    parts = split_parts("x" * 350, 160)
    assert [len(p) for p in parts] == [160, 160, 30]


def test_buttons_become_numbered_options_and_the_number_maps_back() -> None:
    buttons = [
        {"title": "Yes, cancel it", "payload": "/affirm"},
        {"title": "No, keep it", "payload": "/deny"},
    ]
    text, payloads = number_options("Shall I go ahead?", buttons)
    assert text.splitlines() == [
        "Shall I go ahead?",
        "1. Yes, cancel it",
        "2. No, keep it",
        "(reply 1 or 2)",
    ]
    assert option_payload("2", payloads) == "/deny"
    assert option_payload(" #1 ", payloads) == "/affirm"
    assert option_payload("option 2", payloads) == "/deny"


@pytest.mark.parametrize("reply", ["3", "0", "2 please, the blue one", "AC-123456", ""])
def test_when_reply_is_not_an_offered_number_then_it_is_left_as_text(reply: str) -> None:
    _, payloads = number_options("Which?", [{"title": "a", "payload": "/a"}, {"title": "b"}])
    assert option_payload(reply, payloads) is None


def test_three_options_say_reply_1_2_or_3() -> None:
    text, _ = number_options("Pick", [{"title": t, "payload": t} for t in "abc"])
    assert text.endswith("(reply 1, 2 or 3)")


def test_a_rating_from_1_to_5_is_not_listed_twice_and_each_number_is_its_own_answer() -> None:
    buttons = [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
    text, payloads = number_options("How did we do, from 1 (poor) to 5 (great)?", buttons)
    assert text.splitlines() == [
        "How did we do, from 1 (poor) to 5 (great)?",
        "(reply 1, 2, 3, 4 or 5)",
    ]
    assert option_payload("4", payloads) == "4"
