"""How often the other-language detector fires on English, and how much foreign it catches.

English sets: the training data (data/nlu), the held-out set (tests/nlu/held_out.yml), the
hand-written hard cases of tests/nlu/languages.yml, and, when ../shared/data is present, the
public Bitext customer-service and CLINC150 utterances. Foreign: tests/nlu/languages.yml.

    .venv/bin/python scripts/language_eval.py            # the shipped settings
    .venv/bin/python scripts/language_eval.py --sweep    # the threshold grid behind them

Each message is scored once per accuracy mode; the thresholds are then applied in Python, so
the sweep costs no more than one pass.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from lingua import Language

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu_components.languages import DEFAULTS, build_detector, words_to_judge  # noqa: E402

SHARED = ROOT.parent.parent / "shared" / "data"
# [text](entity) and [text]{"entity": ...} annotations of Rasa's training format
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Scored:
    text: str
    judged: bool
    english: float
    top: str  # ISO 639-1 code
    top_value: float


def rasa_examples(path: Path) -> list[str]:
    """The example texts of a Rasa NLU file, annotations removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for block in data.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return texts


def csv_column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def english_sets(include_public: bool) -> dict[str, list[str]]:
    hard = yaml.safe_load((ROOT / "tests" / "nlu" / "languages.yml").read_text(encoding="utf-8"))
    sets = {
        "training data (data/nlu)": [
            t
            for p in sorted((ROOT / "data" / "nlu").glob("*.yml"))
            if p.name != "languages.yml"
            for t in rasa_examples(p)
        ],
        "held-out (tests/nlu/held_out.yml)": rasa_examples(ROOT / "tests" / "nlu" / "held_out.yml"),
        "hard English cases (tests/nlu/languages.yml)": [str(t) for t in hard["english"]],
    }
    if include_public and SHARED.exists():
        sets["Bitext customer service"] = csv_column(
            SHARED / "bitext_customer_service_intents.csv", "utterance"
        )
        sets["CLINC150 (all splits)"] = csv_column(SHARED / "clinc150_oos_full.csv", "text")
    return sets


def foreign_set() -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "languages.yml").read_text(encoding="utf-8"))
    return [(code, str(t)) for code, texts in data["foreign"].items() for t in texts]


def score(texts: Iterable[str], low_accuracy: bool, min_words: int) -> tuple[list[Scored], float]:
    """Each text's English and top confidence; and the mean milliseconds per judged text."""
    detector = build_detector(low_accuracy)
    scored, spent, judged_count = [], 0.0, 0
    for text in texts:
        judged = words_to_judge(text, min_words)
        if judged is None:
            scored.append(Scored(text, False, 1.0, "en", 1.0))
            continue
        start = time.perf_counter()
        values = detector.compute_language_confidence_values(judged)
        spent += time.perf_counter() - start
        judged_count += 1
        english = next((v.value for v in values if v.language == Language.ENGLISH), 0.0)
        top = values[0]
        scored.append(
            Scored(text, True, english, top.language.iso_code_639_1.name.lower(), top.value)
        )
    return scored, 1000 * spent / max(judged_count, 1)


def fires(s: Scored, max_english: float, min_confidence: float) -> bool:
    return s.judged and s.top != "en" and s.english < max_english and s.top_value >= min_confidence


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="print the threshold grid")
    parser.add_argument("--low-accuracy", action="store_true", help="lingua's faster mode")
    parser.add_argument("--no-public", action="store_true", help="skip Bitext and CLINC")
    parser.add_argument("--show", type=int, default=10, help="misses and false alarms to list")
    args = parser.parse_args()
    low = args.low_accuracy
    min_words = int(DEFAULTS["min_words"])

    start = time.perf_counter()
    build_detector(low)
    print(f"lingua {'low' if low else 'high'}-accuracy mode, built in "
          f"{time.perf_counter() - start:.2f} s")  # fmt: skip
    english = {
        name: score(texts, low, min_words)
        for name, texts in english_sets(not args.no_public).items()
    }
    foreign_pairs = foreign_set()
    foreign, ms = score((t for _, t in foreign_pairs), low, min_words)
    codes = [c for c, _ in foreign_pairs]

    grid = (
        [(e, c) for e in (0.02, 0.05, 0.1, 0.2) for c in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)]
        if args.sweep
        else [(float(DEFAULTS["max_english"]), float(DEFAULTS["min_confidence"]))]
    )
    print(
        "| max English | min top | " + " | ".join(english) + " | foreign recall | right language |"
    )
    print("|---" * (len(english) + 4) + "|")
    for max_english, min_conf in grid:
        cells = []
        for scored, _ in english.values():
            hits = sum(fires(s, max_english, min_conf) for s in scored)
            cells.append(f"{hits}/{len(scored)} ({100 * hits / len(scored):.2f} %)")
        caught = [fires(s, max_english, min_conf) for s in foreign]
        right = sum(f and s.top == c for f, s, c in zip(caught, foreign, codes, strict=True))
        recall = f"{sum(caught)}/{len(foreign)} ({100 * sum(caught) / len(foreign):.1f} %)"
        print(f"| {max_english} | {min_conf} | " + " | ".join(cells) + f" | {recall} | {right} |")

    max_english, min_conf = float(DEFAULTS["max_english"]), float(DEFAULTS["min_confidence"])
    all_ms = [m for _, m in english.values()] + [ms]
    print(f"\nmean lingua time per judged message: {sum(all_ms) / len(all_ms):.2f} ms")
    print("\nfalse alarms at the shipped thresholds:")
    for name, (scored, _) in english.items():
        for s in [s for s in scored if fires(s, max_english, min_conf)][: args.show]:
            print(f"  [{name}] {s.text!r} -> {s.top} {s.top_value:.2f} (en {s.english:.2f})")
    print("foreign missed or misnamed at the shipped thresholds:")
    for s, code in zip(foreign, codes, strict=True):
        if not fires(s, max_english, min_conf) or s.top != code:
            print(f"  [{code}] {s.text!r} -> {s.top} {s.top_value:.2f} (en {s.english:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
