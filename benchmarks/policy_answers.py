"""``python -m benchmarks.policy_answers``: are policy and FAQ answers right, grounded and fast?

For each merchant in ``benchmarks/data/policy_questions.yml`` every question is answered
extractively (no model) from that merchant's policy and FAQ files. A supported question is
*correct and grounded* when the answer rests on the expected passage, shows it verbatim and
names its rule; an unsupported one is correct when the answer is None. Also reported: the
precision of None ("nothing supports it" said only when nothing does) and the retrieval
latency per question with a warm index. The threshold was tuned on the ``tune`` subset
(``--split tune --sweep``); the report is on ``test``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.report import write_section
from guardrails.knowledge.answer import Answer, all_passages, answer
from guardrails.knowledge.faq import parse_faq
from guardrails.knowledge.retrieval import build_index
from guardrails.knowledge.settings import DEFAULT_SETTINGS, KnowledgeSettings, load_settings
from merchants.policy import parse_policy

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = Path(__file__).resolve().parent / "data" / "policy_questions.yml"


@dataclass(frozen=True)
class Result:
    question: str
    expected: tuple[str, ...]
    got: Answer | None
    ms: float

    @property
    def supported(self) -> bool:
        return bool(self.expected)

    @property
    def grounded(self) -> bool:
        """The expected passage, verbatim, its rule named."""
        got = self.got
        if got is None or got.passage_id not in self.expected:
            return False
        best = got.passages[0]
        return got.text.startswith(f"{best.rule}: ") and best.text in got.text

    @property
    def correct(self) -> bool:
        return self.grounded if self.supported else self.got is None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _expected(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(raw) if isinstance(raw, list) else (str(raw),)


async def _run(
    merchant: dict, split: str, settings: KnowledgeSettings, cache: Path
) -> list[Result]:
    policy = parse_policy(ROOT / merchant["policy"])
    faq = parse_faq(ROOT / merchant["faq"])
    build_index(all_passages(policy, faq), cache)  # warm: latency is per question
    results = []
    for item in merchant[split]:
        started = time.perf_counter()
        got = await answer(item["q"], policy, faq, settings=settings, cache=cache)
        ms = (time.perf_counter() - started) * 1000
        results.append(Result(item["q"], _expected(item["expect"]), got, ms))
    return results


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    grounded_rate: float
    none_precision: float
    none_recall: float


def score(results: Sequence[Result]) -> Scores:
    supported = [r for r in results if r.supported]
    nones = [r for r in results if r.got is None]
    unsupported = [r for r in results if not r.supported]
    return Scores(
        n=len(results),
        accuracy=sum(r.correct for r in results) / len(results),
        grounded_rate=sum(r.grounded for r in supported) / max(1, len(supported)),
        none_precision=sum(not r.supported for r in nones) / max(1, len(nones)),
        none_recall=sum(r.got is None for r in unsupported) / max(1, len(unsupported)),
    )


def _sweep(merchants: dict, base: KnowledgeSettings, cache: Path) -> None:
    print("threshold lexical  accuracy (tune, all merchants)")
    for lexical in (0.0, 0.05, 0.1, 0.15):
        for step in range(0, 17):
            threshold = round(0.35 + 0.025 * step, 3)
            settings = base.copy(update={"threshold": threshold, "lexical_weight": lexical})
            results = [
                r for m in merchants.values() for r in asyncio.run(_run(m, "tune", settings, cache))
            ]
            print(f"{threshold:9.3f} {lexical:7.2f}  {score(results).accuracy:.3f}")


def _table(
    merchants: dict, split: str, settings: KnowledgeSettings, cache: Path, verbose: bool
) -> list[str]:
    lines = [
        f"{split} questions:",
        "",
        "| policy file | questions | correct | correct and grounded, rule cited (supported)"
        " | 'nothing supports it' precision | its recall | P50 ms | P95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    everything: list[Result] = []
    for name, merchant in merchants.items():
        results = asyncio.run(_run(merchant, split, settings, cache))
        everything += results
        s = score(results)
        ms = [r.ms for r in results]
        lines.append(
            f"| {merchant['policy']} | {s.n} | {s.accuracy:.3f} | {s.grounded_rate:.3f} |"
            f" {s.none_precision:.3f} | {s.none_recall:.3f} |"
            f" {statistics.median(ms):.1f} | {_percentile(ms, 0.95):.1f} |"
        )
        if verbose:
            for r in results:
                if not r.correct:
                    got = f"{r.got.passage_id} ({r.got.score:.3f})" if r.got else "None"
                    print(f"  MISS [{name}] {r.question!r}: expected {r.expected}, got {got}")
    total = score(everything)
    return [
        *lines,
        "",
        f"All {split} questions ({total.n}): correct {total.accuracy:.3f}; correct and grounded"
        f" {total.grounded_rate:.3f} of supported questions; 'nothing supports it' precision"
        f" {total.none_precision:.3f}, recall {total.none_recall:.3f}.",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.policy_answers")
    parser.add_argument("--split", choices=("tune", "test", "holdout"), help="one split only")
    parser.add_argument("--sweep", action="store_true", help="print accuracy per threshold")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    merchants = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["merchants"]
    settings = load_settings()
    splits = [args.split] if args.split else ["test", "holdout"]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        if args.sweep:
            _sweep(merchants, settings, cache)
            return 0
        lines = [
            "## Policy and FAQ answers",
            "",
            "`python -m benchmarks.policy_answers`: extractive answers (no model), threshold"
            f" {settings.threshold}, lexical weight {settings.lexical_weight}"
            f" ({DEFAULT_SETTINGS.relative_to(ROOT)}); questions and splits in"
            f" {QUESTIONS.relative_to(ROOT)}. Latency: retrieval and answer per question, warm"
            " index, this machine.",
            "",
        ]
        for split in splits:
            lines += _table(merchants, split, settings, cache, args.verbose)
    print("\n".join(lines))
    if not args.no_write and args.split is None:
        write_section("policy-answers", lines[:-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
