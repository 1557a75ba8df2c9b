"""No personal value in a candidate that its source did not already show.

The PII scrubber's Presidio analyzer (``guardrails.pii``: names, e-mail addresses, phone, card
and IBAN numbers, street addresses, SSNs, IP addresses) reads the candidate; every value it
finds must occur in the source or passages (compared on letters and digits, lower case), so a
reply may repeat the shopper's own e-mail the template showed but never invent or leak another.

Presidio costs tens of milliseconds. With ``prefilter`` on, it runs only when the candidate
has a word the source does not have that could start a personal value: one with a digit or
``@``, a word on the first- or last-name lists the name recognizer uses that is not also an
English word ("priya", not "will"), or a capitalised word other than a sentence's first word
when that is a dictionary word ("Kindly", "Most"). A lower-case name that is also a word
("john", "rose") slips through the prefilter; Presidio would find it only after a cue such as
"my name is", which a rephrase of a template does not contain.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, Extra

from guardrails.rails.types import Context, Decision

if TYPE_CHECKING:
    from guardrails.pii import Scrubber

NAME = "personal_data"
_TOKEN = re.compile(r"[^\s,;:()\"“”]+")
_PLAIN_OPENERS = frozenset(
    """a an and as at but by for from here if in it its it's i i'm i'll i've of on once our
    please so sorry sure thanks thank that that's the then there there's these this those to
    unfortunately we we'll we're we've what when where which while you you'll you're you've
    your yes no ok okay good great done just all any every is are was were has have had
    can could would should will may might let's also""".split()
)


class Settings(BaseModel):
    """``personal_data`` in rails.yml."""

    prefilter: bool = True
    """Skip Presidio when no new word could start a personal value (see the module doc)."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


@cache
def analyzer() -> Scrubber:
    """The process's scrubber when its key is set, else one built for analysis only.

    Finding values needs no pseudonym key; only replacing them does. Without the key (a
    command-line check) a scrubber is built with a throwaway key and never scrubs anything.
    """
    from guardrails.pii import Scrubber, get_scrubber
    from guardrails.pii.config import load_config

    config = load_config()
    if os.environ.get(config.pseudonym_key_env):
        return get_scrubber()
    return Scrubber(config, b"analysis only: nothing is pseudonymised")


@cache
def _name_words() -> frozenset[str]:
    from guardrails.pii.recognizers.name_list import name_lists

    first, last = name_lists()
    return first | last


@cache
def _dictionary() -> frozenset[str]:
    from guardrails.pii.recognizers.name_list import english_words

    return english_words() | _PLAIN_OPENERS


def _in_dictionary(word: str) -> bool:
    words = _dictionary()
    return word in words or (word.endswith("s") and (word[:-1] in words or word[:-2] in words))


def _compact(value: str) -> str:
    return "".join(c for c in value.lower() if c.isalnum())


def could_hold_personal_data(text: str, source: str) -> bool:
    """True when ``text`` has a word outside ``source`` that might begin a personal value."""
    known = {t.lower().strip(".!?'’") for t in _TOKEN.findall(source)}
    names = _name_words()
    for match in _TOKEN.finditer(text):
        token = match.group()
        word = token.lower().strip(".!?'’")
        if not word or word in known:
            continue
        if any(c.isdigit() for c in token) or "@" in token:
            return True
        if word in names and not _in_dictionary(word):
            return True
        if token[0].isupper():
            at_start = match.start() == 0 or text[: match.start()].rstrip()[-1:] in ".!?\n"
            if not (at_start and _in_dictionary(word)):
                return True
    return False


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuse a personal value the source does not contain."""
    source = "\n".join([context.source, *context.passages])
    if settings.prefilter and not could_hold_personal_data(text, source):
        return Decision(rail=NAME, allowed=True, score=0.0, reason="prefilter")
    haystack = _compact(source)
    for finding in analyzer().analyze(text):
        value = _compact(text[finding.start : finding.end])
        if value and value not in haystack:
            return Decision(
                rail=NAME, allowed=False, score=finding.score, reason=f"new {finding.entity_type}"
            )
    return Decision(rail=NAME, allowed=True, score=0.0)
