"""``python -m benchmarks.guardrails_output``: do the output rails keep a rephrase's facts?

Sources are the real templates of ``domain.yml`` with slots, filled with realistic values;
candidates come from the adversarial provider in :mod:`benchmarks.rephrase_mutations`
(faithful rephrases in four styles, and sixteen kinds of mutation). Every candidate goes
through the configured output rails (``guardrails/rails/rails.yml``) as the generative step
runs them. Reported:

- mutated facts shipped: fact-changing mutations every rail let through (target 0);
- block rate per mutation kind, and which rail blocked first;
- false refusals: faithful rephrases refused, per style and per rail;
- rails latency per candidate, P50 and P95 over all candidates (target P95 <= 50 ms), after
  one warm-up call that loads Presidio and MiniLM;
- grounding alone, lexical against embedding against both, on faithful rephrases and on
  candidates with an added sentence (promise, instruction, foreign language).

Writes its section of docs/benchmarks.md (between the ``guardrails-output`` markers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.rephrase_mutations import MUTATIONS, Candidate, candidates
from benchmarks.rephrase_texts import POLICY_PASSAGES
from benchmarks.rephrase_texts import SUPPORTED_SUMMARIES as SUPPORTED
from benchmarks.rephrase_texts import UNSUPPORTED_SUMMARIES as UNSUPPORTED
from benchmarks.report import OUT, write_section
from guardrails.rails import grounding, personal_data
from guardrails.rails.config import load_config
from guardrails.rails.pipeline import run_rails
from guardrails.rails.types import Context

ROOT = Path(__file__).resolve().parent.parent
SECTION = "guardrails-output"
ADDED_SENTENCE = ("hallucinated_promise", "injected_instructions", "language_switched")


def _pii_key() -> None:
    """The scrubber's local key from stack/defaults.env, as the stack sets it."""
    for line in (ROOT / "stack" / "defaults.env").read_text(encoding="utf-8").splitlines():
        if line.startswith("AFTERCARE_PII_PSEUDONYM_KEY="):
            os.environ.setdefault("AFTERCARE_PII_PSEUDONYM_KEY", line.partition("=")[2].strip())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _grounding_methods(rows: list[tuple[Candidate, str]], limit: int) -> dict[str, Counter[str]]:
    """Grounding alone per method: how many faithful and added-sentence candidates it refuses."""
    picked = [r for r in rows if r[0].faithful][:limit] + [
        r for r in rows if r[0].kind in ADDED_SENTENCE
    ][:limit]
    out: dict[str, Counter[str]] = {}
    for method in ("lexical", "embedding", "both"):
        settings = grounding.Settings.parse_obj({"method": method})
        counts: Counter[str] = Counter()
        for candidate, shown in picked:
            context = Context(source=candidate.source.text)
            decision = grounding.check(shown, context, settings)
            group = "faithful" if candidate.faithful else "added"
            counts[f"{group}_total"] += 1
            counts[f"{group}_refused"] += not decision.allowed
        out[method] = counts
    return out


def _policy_summaries() -> dict[str, tuple[int, int]]:
    """Grounding alone per method on hand-written policy summaries: (supported refused,
    unsupported passed)."""
    context = Context(passages=POLICY_PASSAGES, task="summary")
    out = {}
    for method in ("lexical", "embedding", "both"):
        settings = grounding.Settings.parse_obj({"method": method})
        refused = sum(not grounding.check(s, context, settings).allowed for s in SUPPORTED)
        passed = sum(grounding.check(s, context, settings).allowed for s in UNSUPPORTED)
        out[method] = (refused, passed)
    return out


def run(seed: int, fills: int, grounding_sample: int) -> list[str]:
    _pii_key()
    config = load_config()
    pool = list(candidates(seed=seed, fills=fills))
    # Warm-up: load Presidio and MiniLM once, as a running service has them.
    personal_data.analyzer().analyze("Ask Maria at +1 415 555 0134.")
    grounding.cosine_support(["warm"], ["up"])
    run_rails("output", pool[0].text, Context(source=pool[0].source.text), config)
    latencies: list[float] = []
    blocked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    first_rail: dict[str, Counter[str]] = defaultdict(Counter)
    shipped_facts: list[Candidate] = []
    grounding_rows: list[tuple[Candidate, str]] = []
    for candidate in pool:
        context = Context(source=candidate.source.text)
        started = time.perf_counter()
        verdict = run_rails("output", candidate.text, context, config)
        latencies.append((time.perf_counter() - started) * 1000)
        total[candidate.kind] += 1
        refused = verdict.refused_by
        if refused is not None:
            blocked[candidate.kind] += 1
            first_rail[candidate.kind][refused.rail] += 1
        elif candidate.changes_fact:
            shipped_facts.append(candidate)
        if candidate.faithful or candidate.kind in ADDED_SENTENCE:
            unlocked = next(
                (d.text for d in verdict.decisions if d.rail == "fact_lock" and d.text), None
            )
            grounding_rows.append((candidate, unlocked or candidate.text))
    methods = _grounding_methods(grounding_rows, grounding_sample)
    lines = _report(pool, total, blocked, first_rail, shipped_facts, latencies, methods, config)
    summaries = _policy_summaries()
    anchors = lines.pop()
    lines += [
        "Grounding alone on hand-written summaries of the demo policy "
        f"(benchmarks/rephrase_mutations.py: {len(SUPPORTED)} faithful in other words, "
        f"{len(UNSUPPORTED)} plausible claims the policy does not make):",
        "",
        "| method | faithful summaries refused | unsupported claims passed |",
        "| --- | --- | --- |",
        *(
            f"| {m} | {r} of {len(SUPPORTED)} | {p} of {len(UNSUPPORTED)} |"
            for m, (r, p) in summaries.items()
        ),  # fmt: skip
        "",
        anchors,
    ]
    return lines


def _report(
    pool: list[Candidate],
    total: Counter[str],
    blocked: Counter[str],
    first_rail: dict[str, Counter[str]],
    shipped_facts: list[Candidate],
    latencies: list[float],
    methods: dict[str, Counter[str]],
    config: object,
) -> list[str]:
    mutated = [c for c in pool if not c.faithful]
    faithful = [c for c in pool if c.faithful]
    fact_mutations = [c for c in mutated if c.changes_fact]
    faithful_refused = sum(blocked[k] for k in {c.kind for c in faithful})
    sources = len({c.source.text for c in pool})
    templates = len({c.source.template for c in pool})
    rails = ", ".join(r.name for r in config.output)  # type: ignore[attr-defined]
    lines = [
        "## Output rails: facts locked (mutation suite)",
        "",
        '`python -m benchmarks.guardrails_output` (docs/guardrails.md, "Output rails"). '
        f"{templates} templates of domain.yml with slots, filled with realistic values into "
        f"{sources} distinct texts; the adversarial provider in "
        "benchmarks/rephrase_mutations.py writes faithful rephrases and mutations; every "
        "candidate runs the output rails of "
        f"guardrails/rails/rails.yml ({rails}).",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| mutated candidates | {len(mutated)} ({len(fact_mutations)} change a fact) | >= 1000 |",
        f"| mutated facts shipped | {len(shipped_facts)} of {len(fact_mutations)} | 0 |",
        f"| all mutations blocked | {sum(blocked[c] for c in {m.kind for m in mutated})} of "
        f"{len(mutated)} | |",
        f"| faithful rephrases refused (false refusals) | {faithful_refused} of {len(faithful)}"
        f" ({faithful_refused / max(len(faithful), 1):.1%}) | low |",
        f"| rails latency P50 / P95 | {statistics.median(latencies):.1f} / "
        f"{_percentile(latencies, 0.95):.1f} ms | P95 <= 50 ms |",
        "",
        "| candidate kind | changes a fact | candidates | blocked | block rate | first refusing "
        "rail |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    kinds = [*dict.fromkeys(c.kind for c in faithful), *MUTATIONS]
    for kind in kinds:
        if not total[kind]:
            continue
        changes = MUTATIONS[kind][1] if kind in MUTATIONS else False
        label = kind if kind in MUTATIONS else f"faithful: {kind}"
        rails_used = ", ".join(f"{r} {n}" for r, n in first_rail[kind].most_common())
        lines.append(
            f"| {label} | {'yes' if changes else 'no'} | {total[kind]} | {blocked[kind]} | "
            f"{blocked[kind] / total[kind]:.1%} | {rails_used or '-'} |"
        )
    lines += [
        "",
        "Grounding alone (the rail's `method`), faithful rephrases against candidates with an "
        "added sentence (promise, instruction, other language):",
        "",
        "| method | faithful refused | added sentence refused |",
        "| --- | --- | --- |",
    ]
    for method, counts in methods.items():
        lines.append(
            f"| {method} | {counts['faithful_refused']} of {counts['faithful_total']} | "
            f"{counts['added_refused']} of {counts['added_total']} |"
        )
    lines += [
        "",
        "Anchors: Rasa Pro's response rephraser sends the template to the model and shows "
        "whatever comes back; it checks nothing. NeMo Guardrails' AlignScore fact-checking rail "
        "reports 88.5 % accuracy on its fact-checking set, so roughly one wrong verdict in nine; "
        "fact locking here is exact by construction for the facts its detectors find. The "
        "faithful rephrases are rule-written, not a model's: see docs/guardrails.md for what the "
        "numbers do not say.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.guardrails_output")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fills", type=int, default=3, help="fillings per template")
    parser.add_argument("--grounding-sample", type=int, default=150)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--print-only", action="store_true", help="do not write the docs")
    args = parser.parse_args(argv)
    lines = run(args.seed, args.fills, args.grounding_sample)
    print("\n".join(lines))
    if not args.print_only:
        write_section(SECTION, lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
