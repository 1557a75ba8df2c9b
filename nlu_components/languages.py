"""Shoppers who write in another language: an intent of their own instead of a wrong guess.

The classifier was trained on English only. Read with English features, "¿dónde está mi
pedido?" is a handful of unknown words and a guess, and the shopper gets an answer about
something else ("that doesn't look like an order number"). ``OtherLanguageClassifier`` runs
after the intent classifier and the fallback: when a message is confidently written in another
language it sets the intent ``other_language`` and adds a ``language`` entity (ISO 639-1 code,
"es"), so the dialogue can say in English that English is what the assistant speaks, in the
shopper's language too where the merchant wrote the sentence, and offer a person.

It must never take an English message away from the flows, so it decides only on messages that
look like sentences (:func:`words_to_judge`):

- button payloads ("/affirm") and messages with fewer than ``min_words`` words of letters, once
  order numbers, e-mail addresses, links and anything with a digit are left out. Single words
  and short answers ("si", "ok", "merci", "no gracias", "Jane Doe") are never judged: a
  one-word reply is too short to tell the language by, and it is usually an answer to a
  question the bot asked (a name, a size, yes or no), where a language prompt would be wrong;
- messages whose words all start with a capital letter: names ("María José Fernández"),
  products ("Camino Trail Runner") and addresses ("Calle Del Sol, San Diego") read as Spanish
  or Italian to any detector, yet they are what a shopper types at a form's question.

The rest goes to lingua (offline n-gram models; no network), restricted to English and the
common languages of shoppers. A message counts as another language when English scores below
``max_english`` and the best language at least ``min_confidence``. The thresholds and the
restriction were chosen on data (docs/nlu.md, ``scripts/language_eval.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

OTHER_LANGUAGE_INTENT = "other_language"
FALLBACK_INTENT = "nlu_fallback"
LANGUAGE_ENTITY = "language"

# English and the languages shoppers of a US or European shop most often write in. Every
# language added is one more way for short English to be misread: add one only with data.
# They come in two groups, by what lingua needs to tell them apart.
#
# Languages that share a script (Latin, Cyrillic): lingua needs their models, and
# build_detector loads them when the model loads.
PRELOADED: tuple[Language, ...] = (
    Language.ENGLISH,
    Language.SPANISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.POLISH,
    Language.TURKISH,
    Language.SWEDISH,
    Language.ROMANIAN,
    Language.CZECH,
    Language.VIETNAMESE,
    Language.RUSSIAN,
    Language.UKRAINIAN,
)
# Languages whose text lingua's rules settle without a model: a script no other of LANGUAGES
# writes (Arabic and Devanagari only because Persian, Urdu and Marathi are not among them), and
# Han characters and kana, which the rules give to Chinese and Japanese.
SETTLED_BY_SCRIPT: tuple[Language, ...] = (
    Language.GREEK,
    Language.ARABIC,
    Language.HEBREW,
    Language.HINDI,
    Language.CHINESE,
    Language.JAPANESE,
    Language.KOREAN,
)
LANGUAGES: tuple[Language, ...] = PRELOADED + SETTLED_BY_SCRIPT

# Chosen on data (docs/nlu.md): no English message of any set fires, 95 % of the foreign do.
DEFAULTS: dict[str, Any] = {"min_words": 3, "max_english": 0.05, "min_confidence": 0.3}

# Left out before judging: they are the same in every language.
_NOT_WORDS = re.compile(
    r"https?://\S+|www\.\S+"  # links
    r"|\S+@\S+"  # e-mail addresses
    r"|\S*\d\S*"  # order numbers, ZIP codes, prices, dates: anything with a digit
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Chinese and Japanese are written without spaces: four characters make a short sentence.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_MIN_UNSPACED = 4


@dataclass(frozen=True)
class Detection:
    """The language a message is written in, when it is not English."""

    code: str  # ISO 639-1, lower case: "es"
    name: str  # English name: "Spanish"
    confidence: float


def _is_capitalised(word: str) -> bool:
    """ "Calle", "CA", "XL": how names, products and addresses are written; "PEDIDO" is not."""
    return word[0].isupper() and not (len(word) > 3 and word.isupper())


def words_to_judge(text: str, min_words: int = DEFAULTS["min_words"]) -> str | None:
    """The part of ``text`` worth a language guess, or None when it must not be judged.

    None for button payloads, for fewer than ``min_words`` words of letters once links,
    e-mails and anything with a digit are left out, and for text whose every word is
    capitalised (a name, a product, an address). See the module notes for why.
    """
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return None
    kept = _NOT_WORDS.sub(" ", stripped)
    words = _WORD.findall(kept)
    unspaced = len(_UNSPACED.findall(kept))
    spaced = [w for w in words if not _UNSPACED.search(w)]
    if unspaced >= _MIN_UNSPACED:
        return " ".join(kept.split())
    latin = any(_LATIN.search(w) for w in spaced)
    # Without Latin letters nothing can be mistaken for English: two words are a sentence.
    if len(spaced) < (min_words if latin else min(2, min_words)):
        return None
    if latin and all(_is_capitalised(w) for w in spaced):
        return None
    return " ".join(kept.split())


@cache
def build_detector(low_accuracy: bool = False) -> LanguageDetector:
    """lingua restricted to :data:`LANGUAGES`, the models a message can need loaded now.

    High-accuracy mode is the default: low-accuracy mode (trigrams only) loads faster and
    parses in 0.3 ms instead of 1.4 ms, but on short shopper messages it read 1 to 3 % of
    English as another language (docs/nlu.md, "Cost" for the load's figures).

    Preloading every model spent about a quarter of the load on models that text of
    :data:`SETTLED_BY_SCRIPT` never uses. So a first detector, built only to preload, loads the
    models of :data:`PRELOADED` in parallel; lingua keeps models for every detector of the
    process (until someone calls ``unload_language_models``, which nothing here does), and the
    detector returned finds them there, so its confidences are those of a detector with every
    model preloaded. The one cost left: text with as many letters in one script as in another
    ("my parcel заказ мой"), or words mixing scripts, makes lingua weigh all 22 languages, and
    the first such message of a process loads the rest (about 0.8 s of CPU).
    """

    def builder(languages: Iterable[Language]) -> LanguageDetectorBuilder:
        chosen = LanguageDetectorBuilder.from_languages(*languages)
        return chosen.with_low_accuracy_mode() if low_accuracy else chosen

    builder(PRELOADED).with_preloaded_language_models().build()
    return builder(LANGUAGES).build()


def detect_other_language(
    text: str,
    detector: LanguageDetector,
    min_words: int = DEFAULTS["min_words"],
    max_english: float = DEFAULTS["max_english"],
    min_confidence: float = DEFAULTS["min_confidence"],
) -> Detection | None:
    """The language of ``text`` when it is confidently not English, else None."""
    judged = words_to_judge(text, min_words)
    if judged is None:
        return None
    values = detector.compute_language_confidence_values(judged)
    if not values:
        return None
    english = next((v.value for v in values if v.language == Language.ENGLISH), 0.0)
    top = values[0]
    if top.language == Language.ENGLISH or english >= max_english:
        return None
    if top.value < min_confidence:
        return None
    return Detection(
        code=top.language.iso_code_639_1.name.lower(),
        name=top.language.name.capitalize(),
        confidence=top.value,
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OtherLanguageClassifier(GraphComponent, EntityExtractorMixin):
    """Sets ``other_language`` and a ``language`` entity on confidently foreign messages.

    Placed after the ``FallbackClassifier`` so it has the last word on the intent; the intent
    the English classifier found stays in the ranking below it.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # the FallbackClassifier's threshold in config.yml, for a guess taken back
        return {**DEFAULTS, "low_accuracy": False, "fallback_threshold": 0.6}

    def __init__(self, config: dict[str, Any], detector: LanguageDetector) -> None:
        self._config = config
        self._detector = detector

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OtherLanguageClassifier:
        # built when the model loads, not during a shopper's first message
        return cls(
            {**cls.get_default_config(), **config},
            build_detector(bool(config.get("low_accuracy", False))),
        )

    def detect(self, text: str) -> Detection | None:
        """The configured decision for one message."""
        return detect_other_language(
            text,
            self._detector,
            min_words=int(self._config["min_words"]),
            max_english=float(self._config["max_english"]),
            min_confidence=float(self._config["min_confidence"]),
        )

    def _take_back_guess(self, message: Message) -> None:
        """The classifier guessed ``other_language`` for a message this component let pass.

        Its training examples are foreign, so this is rare; but the decision is this
        component's alone: the next intent in the ranking stands if it clears the fallback
        threshold, else the message is not understood.
        """
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get("name") != OTHER_LANGUAGE_INTENT
        ]
        best = next(iter(ranking), None)
        if (
            best is None
            or float(best.get("confidence") or 0.0) < self._config["fallback_threshold"]
        ):
            best = {"name": FALLBACK_INTENT, "confidence": self._config["fallback_threshold"]}
        message.set(INTENT, best, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.detect(text)
            if found is None:
                if (message.get(INTENT) or {}).get("name") == OTHER_LANGUAGE_INTENT:
                    self._take_back_guess(message)
                continue
            intent = {"name": OTHER_LANGUAGE_INTENT, "confidence": found.confidence}
            ranking = [
                intent,
                *(
                    r
                    for r in message.get(INTENT_RANKING_KEY) or []
                    if r.get("name") != OTHER_LANGUAGE_INTENT
                ),
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            entity = self.add_extractor_name(
                [
                    {
                        "entity": LANGUAGE_ENTITY,
                        "value": found.code,
                        "start": 0,
                        "end": len(text),
                        "confidence": found.confidence,
                    }
                ]
            )
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entity], add_to_output=True)
        return messages
