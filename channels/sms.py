"""Text-only messaging rules shared by SMS: keywords, SMS-sized parts, numbered options.

Pure functions, so the rules are tested without a server and the same rendering serves TwiML
replies and REST API sends.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout"})
START_WORDS = frozenset({"start", "unstop", "yes", "subscribe"})
HELP_WORDS = frozenset({"help", "info"})
_KEYWORD = re.compile(r"^\s*([a-zA-Z]+)[\s.!]*$")
_OPTION = re.compile(r"^\s*(?:#|option\s*)?(\d{1,2})\s*[.)!]?\s*$", re.IGNORECASE)


class Keyword(str, Enum):
    """The carrier keywords a shopper can text (CTIA's opt-out, opt-in and help)."""

    stop = "stop"
    start = "start"
    help = "help"


def keyword(text: str, opted_out: bool) -> Keyword | None:
    """The keyword a whole message is, if any.

    "cancel" and "yes" only count as keywords in the context where a carrier would read them
    that way: "yes" re-subscribes only an opted-out sender, and a bare "cancel" stops messages
    as carriers require, while "cancel my order" is an ordinary message.
    """
    match = _KEYWORD.match(text or "")
    if not match:
        return None
    word = match.group(1).lower()
    if word in STOP_WORDS:
        return Keyword.stop
    if word in HELP_WORDS:
        return Keyword.help
    if word in START_WORDS and (opted_out or word != "yes"):
        return Keyword.start
    return None


def split_parts(text: str, limit: int) -> list[str]:
    """Split a reply into parts of at most ``limit`` characters, at spaces where possible.

    Phones show concatenated SMS as one, but each part is billed and some carriers deliver
    parts out of order, so every part is a readable whole: cut at a sentence or word end.
    """
    text = (text or "").strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        # A line end first: a numbered option ("2. AC-107779 …") must not be cut after "2.".
        cut = window.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = window.rfind(". ", 0, limit)
        if cut < limit // 2:
            cut = window.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        else:
            cut += 1 if window[cut] == "." else 0
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def number_options(text: str, buttons: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Buttons as numbered lines ("reply 1, 2 or 3") and the payload of each number."""
    titles = [str(b.get("title") or b.get("payload") or "") for b in buttons]
    payloads = [str(b.get("payload") or b.get("title") or "") for b in buttons]
    if not buttons:
        return text, []
    numbers = [str(i) for i in range(1, len(buttons) + 1)]
    # Options that are their own numbers (a 1 to 5 rating) would read "1. 1": only the hint.
    lines = [] if titles == numbers else [f"{n}. {t}" for n, t in zip(numbers, titles, strict=True)]
    hint = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " or " + numbers[-1]
    return "\n".join([text, *lines, f"(reply {hint})"]), payloads


def option_payload(text: str, payloads: list[str]) -> str | None:
    """The payload of a numbered option the shopper picked ("2", "#2", "option 2")."""
    match = _OPTION.match(text or "")
    if not match or not payloads:
        return None
    index = int(match.group(1))
    return payloads[index - 1] if 1 <= index <= len(payloads) else None
