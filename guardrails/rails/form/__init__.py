"""The candidate keeps the source's form: language, length, lists, plain text, no role tokens.

- Language: a stopword count for English, German, Spanish and French (no language detector is
  installed; replies are short and these are the shop's languages). The candidate's language
  must be the source's; a text too short to tell (fewer than ``min_stopwords``) passes.
- Length: ``len(candidate) / len(source)`` within ``[min_ratio, max_ratio]`` for a rephrase;
  a summary only has ``max_chars``.
- Lists: as many bulleted or numbered lines as the source, with the same markers.
- Markup: no Markdown emphasis, heading, link, code or quote, and no HTML tag, unless the
  source has the same kind.
- Role tokens (``<|im_start|>``, ``Assistant:``, ``[INST]``, ...): never, whatever the source.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Extra, Field, root_validator

from guardrails.rails.types import Context, Decision

NAME = "form"

STOPWORDS = {
    "en": frozenset(
        "the and is are you your to of it for on with this that be have we will can not in "
        "our was what at as by an or if so do any i my me".split()
    ),
    "de": frozenset(
        "der die das und ist sind sie ihr ihre zu von es für auf mit dies ein eine wir wird "
        "nicht im unser war was bei als oder wenn ich mein mich den dem des sich auch noch "
        "kann bitte".split()
    ),
    "es": frozenset(
        "el la los las y es son usted su sus de que para en con este esta un una nosotros "
        "será no nuestro fue por o si yo mi me lo se del al pero ya puede".split()
    ),
    "fr": frozenset(
        "le la les et est sont vous votre vos de que pour sur avec ce cette un une nous sera "
        "ne pas notre était par ou si je mon me du des au aux il elle peut".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+")
_ITEM = re.compile(r"(?m)^\s*(?:([-*•–])|(\d+)[.)]|([a-z])[.)])\s+")
MARKUP = {
    "emphasis": re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__|(?<![\w*])\*[^*\s][^*\n]*\*(?![\w*])"),
    "heading": re.compile(r"(?m)^\s*#{1,6}\s"),
    "link": re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),
    "code": re.compile(r"`"),
    "quote": re.compile(r"(?m)^\s*>\s"),
    "table": re.compile(r"(?m)^\s*\|.*\|\s*$"),
    "html": re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?\s*>|&[a-z]+;|&#\d+;"),
}
ROLE_TOKENS = re.compile(
    r"<\|[^|>\n]{1,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<\|?endoftext\|?>"
    r"|^\s*(?:assistant|user|system|human|ai|bot|shopper|customer|agent)\s*:"
    r"|###\s*(?:instruction|response|system)",
    re.IGNORECASE | re.MULTILINE,
)


class Settings(BaseModel):
    """``form`` in rails.yml."""

    min_ratio: float = Field(0.5, gt=0.0)
    max_ratio: float = Field(1.8, gt=0.0)
    max_chars: int = Field(700, ge=1)
    """A summary's limit (and every reply's)."""
    min_stopwords: int = Field(3, ge=1)
    """Stopwords needed before a language is decided."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values: dict[str, object]) -> dict[str, object]:  # noqa: N805
        low, high = values["min_ratio"], values["max_ratio"]
        if isinstance(low, float) and isinstance(high, float) and low > high:
            raise ValueError("min_ratio must not exceed max_ratio")
        return values


def language(text: str, min_stopwords: int = 3) -> str | None:
    """``en``, ``de``, ``es`` or ``fr`` by stopword count; None when too few to tell."""
    words = [w.lower() for w in _WORD.findall(text)]
    counts = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] < min_stopwords or ranked[0] == ranked[1]:
        return None
    return best


def list_markers(text: str) -> list[str]:
    """The marker kind of each list line: ``-`` style bullets, ``1`` numbers, ``a`` letters."""
    return ["-" if m.group(1) else "1" if m.group(2) else "a" for m in _ITEM.finditer(text)]


def markup(text: str) -> set[str]:
    """The kinds of Markdown or HTML in ``text``."""
    return {kind for kind, pattern in MARKUP.items() if pattern.search(text)}


def _refuse(reason: str) -> Decision:
    return Decision(rail=NAME, allowed=False, score=1.0, reason=reason)


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuse a change of language, length, list shape or markup, and any role token."""
    if ROLE_TOKENS.search(text):
        return _refuse("role token")
    source = context.source or "\n".join(context.passages)
    summary = context.task == "summary"
    if len(text) > settings.max_chars and len(text) > len(source):
        return _refuse("too long")
    if not summary and source:
        ratio = len(text) / len(source)
        if not settings.min_ratio <= ratio <= settings.max_ratio:
            return _refuse(f"length ratio {ratio:.2f}")
    if not summary and list_markers(text) != list_markers(source):
        return _refuse("list changed")
    if summary and list_markers(text) and not list_markers(source):
        return _refuse("list added")
    added = markup(text) - markup("\n".join([context.source, *context.passages]))
    if added:
        return _refuse(f"markup: {sorted(added)[0]}")
    expected = language(source, settings.min_stopwords) or context.language
    found = language(text, settings.min_stopwords)
    if found is not None and found != expected:
        return _refuse(f"language {found}, not {expected}")
    return Decision(rail=NAME, allowed=True, score=0.0)
