"""One Presidio analyzer and anonymizer, built once from the validated config.

Presidio is imported only when the scrubber is built (it loads spaCy), and only after
``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is set, so nothing tries the network.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from guardrails.pii.config import EntityRule, Operator, PiiConfig, PiiConfigError
from guardrails.pii.recognizers import build as build_recognizer

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    from spacy.language import Language
    from spacy.tokens import Doc

    from guardrails.pii.recognizers.person import PersonRecognizer


@dataclass(frozen=True)
class Finding:
    """One personal value in a text: what it is, where, and how sure the recognizer was."""

    entity_type: str
    start: int
    end: int
    score: float


def pseudonym(key: bytes, entity_type: str, value: str) -> str:
    """A keyed, stable token for ``value``: the same e-mail gives the same token everywhere.

    The value is normalised first (case, and everything but digits for numbers) so that
    ``Ann@Example.com`` and ``ann@example.com`` join in analytics. Without the key the token
    cannot be reversed or recomputed from a guessed value.
    """
    if entity_type in ("PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE"):
        normal = "".join(c for c in value if c.isalnum()).upper()
    else:
        normal = " ".join(value.lower().split())
    digest = hmac.new(key, f"{entity_type}:{normal}".encode(), hashlib.sha256).hexdigest()
    return f"<{entity_type}_{digest[:10]}>"


def mask(value: str, keep_last: int) -> str:
    """Every letter and digit but the last ``keep_last`` become ``*``; separators stay."""
    alnum = [i for i, c in enumerate(value) if c.isalnum()]
    hidden = set(alnum[: max(len(alnum) - keep_last, 0)])
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


class Scrubber:
    """Finds personal values in text and replaces them per entity type.

    Args:
        config: The validated configuration.
        pseudonym_key: HMAC key for the ``pseudonym`` operator; required when any entity uses it.
    """

    def __init__(self, config: PiiConfig, pseudonym_key: bytes | None = None) -> None:
        if config.uses_pseudonyms and not pseudonym_key:
            raise PiiConfigError(
                f"the pseudonym operator needs a key in ${config.pseudonym_key_env}"
            )
        self.config = config
        self._key = pseudonym_key or b""
        self._keep = [re.compile(p) for p in config.keep.values()]
        self._entities = list(config.entities)
        self._analyzer = _build_analyzer(config)
        self._person = _person_recognizer(self._analyzer)
        self._nlp = self._analyzer.nlp_engine.nlp[config.language]  # type: ignore[attr-defined]
        self._anonymizer, self._operators = self._build_anonymizer()
        self._cached_scrub: Callable[[str], str] = lru_cache(maxsize=2048)(self._scrub)

    def analyze(self, text: str) -> list[Finding]:
        """Personal values in ``text``, left to right, without overlaps or kept spans."""
        return [
            Finding(r.entity_type, r.start, r.end, round(float(r.score), 3))
            for r in self._results(text)
        ]

    def scrub(self, text: str) -> str:
        """``text`` with every personal value replaced by its entity's operator."""
        if not text or not any(c.isalnum() for c in text):
            return text
        return self._cached_scrub(text)

    def scrub_data(self, value: Any) -> Any:
        """Scrub every string inside dicts and lists (event payloads, log arguments)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub_data(v) for v in value)
        return value

    def _scrub(self, text: str) -> str:
        results = self._results(text)
        if not results:
            return text
        return str(self._anonymizer.anonymize(text, results, self._operators).text)  # type: ignore[arg-type]

    def _results(self, text: str) -> list[RecognizerResult]:
        """Analyzer results above the threshold, minus kept spans, overlaps merged."""
        if not text.strip():
            return []
        found = self._analyzer.analyze(
            text=text,
            language=self.config.language,
            entities=self._entities,
            score_threshold=self.config.score_threshold,
            nlp_artifacts=self._artifacts(text),
        )
        kept = [m.span() for p in self._keep for m in p.finditer(text)]
        found = [
            r
            for r in found
            if not any(r.start < e and s < r.end for s, e in kept) or _named_card(text, r)
        ]
        if self._person is not None:
            found = self._person.people(text, found)
        return _merge(found, self._entities)

    def _artifacts(self, text: str) -> NlpArtifacts:
        """The tokens of ``text``, and spaCy's names only where a word could be a name.

        spaCy's NER is most of the cost of a message and only its names are used; the person
        recognizer drops every model name made of dictionary words only, and every one with a
        token holding a digit or an e-mail's or a path's characters. Those tokens are blanked
        out before asking whether a word could be a name ("michael.lee@gmail.com" holds no
        name the model could give), and without such a word the model's output cannot matter.
        The text is tokenized once: the model runs on the tokens already made.
        """
        from presidio_analyzer.nlp_engine import NlpArtifacts

        doc = self._nlp.make_doc(text)
        if self._person is None or self._person.needs_model(_readable(doc)):
            return self._analyzer.nlp_engine._doc_to_nlp_artifact(  # type: ignore[attr-defined]
                self._nlp(doc), self.config.language
            )
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[""] * len(doc),
            nlp_engine=self._analyzer.nlp_engine,
            language=self.config.language,
        )

    def _build_anonymizer(self) -> tuple[AnonymizerEngine, dict[str, OperatorConfig]]:
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig

        def operator(entity: str, rule: EntityRule) -> OperatorConfig:
            if rule.operator is Operator.TAG:
                return OperatorConfig("replace", {"new_value": f"<{entity}>"})
            if rule.operator is Operator.MASK:
                keep = rule.keep_last
                return OperatorConfig("custom", {"lambda": lambda v: mask(v, keep)})
            return OperatorConfig("custom", {"lambda": lambda v: pseudonym(self._key, entity, v)})

        operators = {e: operator(e, rule) for e, rule in self.config.entities.items()}
        return AnonymizerEngine(), operators


def _person_recognizer(analyzer: AnalyzerEngine) -> PersonRecognizer | None:
    """The recognizer that reads spaCy's names, when the config uses it.

    spaCy can be skipped only when the person recognizer is the model's one reader and says a
    text holds no word that could be a name; with any other model reader, it always runs.
    """
    from guardrails.pii.recognizers.name_list import NameListRecognizer
    from guardrails.pii.recognizers.person import PersonRecognizer

    readers = [r for r in analyzer.registry.recognizers if "PERSON" in r.supported_entities]
    people = [r for r in readers if isinstance(r, PersonRecognizer)]
    others = [r for r in readers if not isinstance(r, PersonRecognizer | NameListRecognizer)]
    return people[0] if len(people) == 1 and not others else None


def _readable(doc: Doc) -> str:
    """The text with every token no model name may hold blanked out (see ``_ner_spans``)."""
    from guardrails.pii.recognizers.person import NOT_NAME_CHARS

    return "".join(
        " " * len(token.text) + token.whitespace_
        if any(c.isdigit() or c in NOT_NAME_CHARS for c in token.text)
        else token.text_with_ws
        for token in doc
    )


CARD_WORDS = re.compile(r"(?i)\b(?:card|visa|mastercard|maestro|amex|debit|credit)\b")


def _named_card(text: str, result: RecognizerResult) -> bool:
    """A Luhn-valid card number right after a card word wins over a keep pattern.

    A plain 12-digit number is usually a FedEx tracking number (kept), but "my card
    675935834472" is a Maestro card: the word before it decides.
    """
    before = text[max(0, result.start - 40) : result.start]
    return result.entity_type == "CREDIT_CARD" and bool(CARD_WORDS.search(before))


def _merge(results: list[RecognizerResult], precedence: list[str]) -> list[RecognizerResult]:
    """One result per stretch of text: overlapping findings become their union.

    The union takes the type that comes first in ``precedence`` (the config's order), then the
    better score, so an address that contains a name is replaced as one address.
    """
    rank = {entity: index for index, entity in enumerate(precedence)}

    def strength(result: RecognizerResult) -> tuple[int, float]:
        return (-rank.get(result.entity_type, len(rank)), result.score)

    merged: list[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (r.start, -r.end)):
        if merged and result.start < merged[-1].end:
            last = merged[-1]
            if strength(result) > strength(last):
                last.entity_type, last.score = result.entity_type, result.score
            last.end = max(last.end, result.end)
            continue
        merged.append(result)
    return merged


def _build_analyzer(config: PiiConfig) -> AnalyzerEngine:
    """Presidio over the installed spaCy model's NER and the configured recognizers."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        # their debug records describe every analysis; only warnings are worth a log line
        logging.getLogger(name).setLevel(logging.WARNING)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, predefined_recognizers

    nlp_engine = _ner_only_engine(config)
    registry = RecognizerRegistry(supported_languages=[config.language])
    for name in config.recognizers:
        registry.add_recognizer(build_recognizer(name, config.language))
    for name in config.presidio_recognizers:
        cls = getattr(predefined_recognizers, name, None)
        if cls is None:
            raise PiiConfigError(f"Presidio has no recognizer {name!r}")
        registry.add_recognizer(cls(supported_language=config.language))
    covered = {e for r in registry.recognizers for e in r.supported_entities}
    missing = set(config.entities) - covered
    if missing:
        raise PiiConfigError(f"no recognizer finds {sorted(missing)}: they would never be scrubbed")
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[config.language],
        default_score_threshold=config.score_threshold,
        context_aware_enhancer=_no_context_boost(),
    )


# What spaCy's NER may say that is not a person: every label but PERSON is left to the
# project's own recognizers.
IGNORED_LABELS = [
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
    "ORDINAL", "ORG", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
]  # fmt: skip
# The factories of the layers a component's listener may feed on.
SHARED_LAYERS = ("tok2vec", "transformer", "curated_transformer")


def _ner_only_engine(config: PiiConfig) -> SpacyNlpEngine:
    """Presidio's spaCy engine over the installed model's NER, loaded alone.

    Only the NER matters here: our recognizers score above the threshold without Presidio's
    lemma-based context boost. Presidio's own ``load`` reads every component from disk, and
    for a model that is not installed it runs ``spacy download``, so a server would reach for
    the network at its start. Here a model that is not an installed package is a config error,
    and the components the NER does not feed on are never read (docs/performance.md,
    eighteenth step).
    """
    import spacy
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    if not spacy.util.is_package(config.spacy_model):
        raise PiiConfigError(
            f"spaCy model {config.spacy_model!r} is not an installed package; models are "
            "never downloaded at run time: install its package and name it here"
        )
    pipeline = load_ner(config.spacy_model)
    engine = SpacyNlpEngine(
        models=[{"lang_code": config.language, "model_name": config.spacy_model}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
            labels_to_ignore=IGNORED_LABELS,
            low_score_entity_names=[],
            low_confidence_score_multiplier=1.0,
        ),
    )
    engine.nlp = {config.language: pipeline}  # type: ignore[assignment]  # Presidio types it None
    return engine


def load_ner(model: str) -> Language:
    """The installed spaCy ``model`` with its NER and the layers the NER listens to, if any.

    The ``en_core_web`` CNN models give the NER its own token-to-vector layer, so it loads
    alone; a model whose NER listens to a shared layer (a transformer) keeps that layer. The
    model's config tells which, before any weights are read. A listener whose layer did not
    run gives zero vectors without an error, and a NER on zero vectors finds no one: so a
    layer the NER listens to that is not there, or a NER the model leaves disabled, stops the
    build instead (fail closed).
    """
    import spacy

    try:
        package = spacy.util.get_package_path(model)
        meta = spacy.util.get_model_meta(package)
        folder = package / f"{meta['lang']}_{meta['name']}-{meta['version']}"
        components = dict(
            spacy.util.load_config(folder / "config.cfg", interpolate=True)["components"]
        )
    except (ImportError, OSError, KeyError, ValueError) as exc:
        raise PiiConfigError(f"spaCy model {model!r} cannot be read: {exc}") from exc
    if "ner" not in components:
        raise PiiConfigError(f"spaCy model {model!r} has no NER component")
    kept = ner_and_its_layers(components)
    try:
        pipeline = spacy.load(model, exclude=[name for name in components if name not in kept])
    except (ImportError, OSError, ValueError) as exc:
        raise PiiConfigError(f"spaCy model {model!r} cannot be loaded: {exc}") from exc
    if not kept <= set(pipeline.pipe_names):  # the NER among them
        raise PiiConfigError(
            f"spaCy model {model!r} does not run its NER with what it listens to "
            f"({sorted(kept)} needed, {pipeline.pipe_names} enabled)"
        )
    return pipeline


def ner_and_its_layers(components: dict[str, Any]) -> set[str]:
    """Of a spaCy config's components, the NER and the shared layers it listens to.

    A layer named as a listener's ``upstream`` is kept whatever its factory; an upstream of
    ``*`` (any) keeps every token-to-vector and transformer layer.

    Raises:
        PiiConfigError: The NER listens to a layer the model does not have.
    """
    upstreams = _listened_to(components["ner"])
    named = upstreams - {"*"}
    missing = named - set(components)
    if missing:
        raise PiiConfigError(f"the NER listens to {sorted(missing)}, which the model lacks")
    shared = {
        name for name, component in components.items() if component.get("factory") in SHARED_LAYERS
    }
    if "*" in upstreams and not shared:
        raise PiiConfigError("the NER listens to a shared layer and the model has none")
    return {"ner"} | named | (shared if "*" in upstreams else set())


def _listened_to(node: Any) -> set[str]:
    """The ``upstream`` names of every listener layer in a component's config."""
    found: set[str] = set()
    if isinstance(node, dict):
        if "Listener" in str(node.get("@architectures", "")):
            found.add(str(node.get("upstream", "*")))
        for value in node.values():
            found |= _listened_to(value)
    return found


def _no_context_boost() -> ContextAwareEnhancer:
    """A context enhancer that changes nothing.

    Presidio's default compares the lemmas around each finding with the recognizer's context
    words. With the lemmatizer left out every lemma is empty, so it never boosts a score, yet
    it deep-copies every result of every message (0.6 ms a chat message): our recognizers read
    their own cues and score above the threshold without it.
    """
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

    class NoContextBoost(ContextAwareEnhancer):
        def __init__(self) -> None:
            super().__init__(0.0, 0.0, 0, 0)

        def enhance_using_context(
            self,
            text: str,
            raw_results: list[RecognizerResult],
            nlp_artifacts: NlpArtifacts,
            recognizers: list[EntityRecognizer],
            context: list[str] | None = None,
        ) -> list[RecognizerResult]:
            return raw_results

    return NoContextBoost()
