"""Phrases that are attacks whatever the classifier thinks, in English and German.

Each pattern names one general move (override earlier instructions, become another persona,
reach the system prompt, switch a "mode" on), not one known prompt: a short list that a
reviewer can read. The text has been NFKC-normalised and stripped of invisible characters by
the ``normalise`` rail, so look-alike letters and zero-width joiners do not slip past.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.UNICODE

_EARLIER = (
    r"(?:all|any|the|your|my|these|those|previous|prior|above|earlier|preceding|former|initial"
    r"|original|existing|current)"
)
_ORDERS = (
    r"(?:instructions?|prompts?|rules|guidelines|directives|orders|commands|tasks|assignments"
    r"|context|programming|restrictions|constraints|policies|information)"
)
_DE_EARLIER = (
    r"(?:alle[ns]?|die|deine|ihre|vorherig\w*|bisherig\w*|obig\w*|vorangehend\w*"
    r"|vorangegangen\w*)"
)
_DE_ORDERS = (
    r"(?:anweisungen|instruktionen|befehle|aufgaben|aufträge|regeln|vorgaben|angaben"
    r"|informationen)"
)

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "override instructions",
        re.compile(
            rf"\b(?:ignore|disregard|forget|skip|override|bypass|drop|neglect)\b[^.!?\n]{{0,40}}"
            rf"\b{_EARLIER}\b[^.!?\n]{{0,25}}\b{_ORDERS}\b",
            _FLAGS,
        ),
    ),
    (
        "forget everything",
        re.compile(
            r"\bforget (?:about )?(?:everything|all (?:of )?(?:that|this|the above))", _FLAGS
        ),
    ),
    ("ignore above", re.compile(r"\bignore (?:the )?(?:above|everything)\b", _FLAGS)),
    (
        "persona",
        re.compile(
            r"\b(?:you are|you're|act as|pretend to be|roleplay as|role-play as|become)\s+"
            r"(?:now\s+)?(?:an?\s+)?(?:DAN|AIM|STAN|DUDE|jailbroken|unrestricted|unfiltered"
            r"|uncensored|evil|amoral)\b",
            _FLAGS,
        ),
    ),
    ("do anything now", re.compile(r"\bdo anything now\b", _FLAGS)),
    (
        "mode switch",
        re.compile(r"\b(?:developer|dev|god|jailbreak|DAN|unrestricted|debug) mode\b", _FLAGS),
    ),
    (
        "system prompt",
        re.compile(
            r"\bsystem[ -]?prompt|\b(?:initial|original|hidden|secret|full) (?:prompt|instructions)"
            r"\b|\bprompt[ -]?texts?\b",
            _FLAGS,
        ),
    ),
    (
        "reveal instructions",
        re.compile(
            r"\b(?:reveal|show|print|output|repeat|tell me|what (?:is|was|were))\b[^.!?\n]{0,20}"
            r"\b(?:your|the) (?:full |entire |whole |first )?(?:prompt|instructions"
            r"|system message)\b",
            _FLAGS,
        ),
    ),
    ("jailbreak", re.compile(r"\bjailbr(?:eak|oken)\b", _FLAGS)),
    (
        "no limits",
        re.compile(
            r"\b(?:no|without (?:any )?)(?:ethical|moral|content) (?:guidelines|restrictions"
            r"|constraints|filters|limits)\b|\bwithout (?:any )?(?:restrictions|filters"
            r"|censorship)\b",
            _FLAGS,
        ),
    ),
    (
        "anweisungen ignorieren",
        re.compile(
            rf"\b(?:ignorier\w*|vergiss|vergessen|missachte\w*|überspring\w*)\b[^.!?\n]{{0,40}}"
            rf"\b{_DE_EARLIER}\b[^.!?\n]{{0,25}}\b{_DE_ORDERS}\b",
            _FLAGS,
        ),
    ),
    (
        "alles vergessen",
        re.compile(r"\b(?:vergiss|vergessen sie) (?:nun |jetzt )?(?:alles|alle)\b", _FLAGS),
    ),
    (
        "rolle",
        re.compile(
            r"\b(?:jetzt|nun|ab sofort) bist du\b|\bdu bist (?:jetzt|nun|ab sofort)\b"
            r"|\bstell dir vor,? du bist\b",
            _FLAGS,
        ),
    ),
    ("entwicklermodus", re.compile(r"\bentwicklermodus\b|\bsystem-?prompt", _FLAGS)),
    (
        "anweisungen hinter sich lassen",
        re.compile(
            rf"\b{_DE_EARLIER}\b[^.!?\n]{{0,25}}\b{_DE_ORDERS}\b[^.!?\n]{{0,30}}"
            r"(?:hinter (?:dir|sich|euch)|aus dem (?:kopf|gedächtnis)|ignorieren|vergessen"
            r"|missachten|streichen)\b",
            _FLAGS,
        ),
    ),
    (
        "new task",
        re.compile(
            r"\b(?:your|a) new (?:task|assignment|role|instructions)\b"
            r"|\b(?:deine|ihre|eine) neue(?:n)? (?:aufgabe|rolle|anweisung(?:en)?)\b"
            r"|\bnun folgen (?:weitere|neue) (?:aufgaben|anweisungen)\b",
            _FLAGS,
        ),
    ),
    (
        "act as a program",
        re.compile(
            r"\bI want you to act as an?\b|\bich möchte, dass (?:du|sie) als\b"
            r"|\bact as an? (?:\w+ )?(?:interpreter|terminal|console|shell)\b",
            _FLAGS,
        ),
    ),
    (
        "forget everything, other languages",
        re.compile(
            r"\bolvid[aeo]\w* todo\b|\boublie[sz]? tout\b|\bdimentica tutto\b" r"|\bzaboravi sve\b",
            _FLAGS,
        ),
    ),
    (
        "spelled out",
        # "S a y t h a t": single letters spaced out so no word is there to match
        re.compile(r"(?:\b[^\W\d_] ){7,}[^\W\d_]\b", _FLAGS),
    ),
)


def match(text: str) -> str | None:
    """The name of the first pattern ``text`` matches, or None."""
    return next((name for name, pattern in PATTERNS if pattern.search(text)), None)
