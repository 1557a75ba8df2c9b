"""``python -m benchmarks.generation``: what rewording a reply costs with the embedded model.

Starts the embedded model server (``.venv-llm``, ``make llm``) on a free port, then rewords
every reply marked ``rephrase`` in ``domain.yml`` (filled with sample values) a few times
through the real NLG: fact lock, scrubbed prompt, model, output rails. The budget is lifted for
the run so that slow answers are measured rather than cut; the share that would have fit in
``GENERATION_BUDGET_MS`` is reported. Writes the ``generation`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import platform
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from benchmarks.report import write_section
from guardrails.generation.nlg import REPHRASE_KEY, RephrasingNaturalLanguageGenerator
from guardrails.generation.provider import ChatProvider, Completion
from guardrails.generation.settings import GenerationSettings, generation_settings
from stack.isolated import free_port
from stack.llm import server_command, server_env
from stack.processes import stop_process_group
from stack.settings import DEFAULTS_FILE, ROOT, read_env_file

COMMAND = "python -m benchmarks.generation"
# What the actions pass for the marked replies' variables.
SAMPLE_VALUES = {
    "order_id": "AC-104233",
    "placed_date": "November 18, 2026",
    "status_words": "in transit",
    "carrier": "UPS",
    "tracking_number": "1Z999AA10123456784",
    "event_description": "Departed facility",
    "event_location": " in Reno, NV",
    "event_time": "November 19, 2026 at 08:14",
    "eta": "November 22, 2026",
    "delivered_date": "November 20, 2026",
    "rma_id": "RMA-20431",
    "return_status": "awaiting items",
    "refund_amount": "$42.50",
    "refund_method": "credit card",
    "refund_date": "November 21, 2026",
    "processing_time": "5 to 10 business days",
}


class Recording(ChatProvider):
    """The real client, keeping every completion for the numbers."""

    completions: list[Completion]

    async def complete(self, messages: Any, **kwargs: Any) -> Completion:
        completion = await super().complete(messages, **kwargs)
        self.completions.append(completion)
        return completion


class Decisions(logging.Handler):
    """The NLG's decision lines (``"event": "rephrase"``), parsed."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if '"event": "rephrase"' in message:
            self.records.append(json.loads(message))


def marked_responses(domain: Domain) -> list[str]:
    return [
        name
        for name, variants in domain.responses.items()
        if any((v.get("metadata") or {}).get(REPHRASE_KEY) is True for v in variants)
    ]


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise SystemExit(f"the model server exited ({process.returncode}); see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"the model server did not answer {url} within {timeout_s:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def reword_all(
    nlg: RephrasingNaturalLanguageGenerator, domain: Domain, names: list[str], rounds: int
) -> list[float]:
    """Milliseconds of each whole ``generate`` call, ``rounds`` times over ``names``."""
    tracker = DialogueStateTracker.from_events(
        "benchmark",
        [ActionExecuted("action_listen"), UserUttered("where is my order?")],
        slots=domain.slots,
    )
    totals = []
    for round_ in range(rounds):
        for i, name in enumerate(names):
            np.random.seed(round_ * 1000 + i)
            started = time.perf_counter()
            await nlg.generate(name, tracker, "rest", **SAMPLE_VALUES)
            totals.append((time.perf_counter() - started) * 1000)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(prog=COMMAND)
    parser.add_argument("--rounds", type=int, default=3, help="times each reply is reworded")
    parser.add_argument("--log", type=Path, default=ROOT / "var" / "log" / "llm-benchmark.log")
    args = parser.parse_args()
    for name, value in read_env_file(DEFAULTS_FILE).items():
        os.environ.setdefault(name, value)
    configured = generation_settings({**os.environ, "AFTERCARE_GENERATION": "on"})
    domain = Domain.load(str(ROOT / "domain.yml"))
    names = marked_responses(domain)

    load_before = os.getloadavg()[0]
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    environment = server_env(os.environ)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    with args.log.open("ab") as log:
        server = subprocess.Popen(
            server_command(port, configured.model),
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        load_s = wait_healthy(f"{base_url}/models", server)
        settings = GenerationSettings(
            enabled=True, base_url=base_url, model=configured.model, timeout_s=60, budget_ms=60000
        )
        provider = Recording(base_url, configured.model, timeout_s=60)
        provider.completions = []
        nlg = RephrasingNaturalLanguageGenerator(
            domain=domain, settings=settings, provider=provider
        )
        decisions = Decisions()
        logging.getLogger("guardrails.generation").addHandler(decisions)
        logging.getLogger("guardrails.generation").setLevel(logging.INFO)
        asyncio.run(reword_all(nlg, domain, names[:1], 1))  # warm-up: first prompt evaluation
        provider.completions.clear()
        decisions.records.clear()
        totals = asyncio.run(reword_all(nlg, domain, names, args.rounds))
    finally:
        stop_process_group(server, grace_s=10)

    load_after = os.getloadavg()[0]
    calls = provider.completions
    model_ms = [c.ms for c in calls]
    tokens = [c.completion_tokens or 0 for c in calls]
    tokens_per_s = sum(tokens) / (sum(model_ms) / 1000)
    reasons = collections.Counter(d["reason"] for d in decisions.records)
    within = sum(ms <= configured.budget_ms for ms in model_ms)
    lines = [
        "## Generation (rewording with the embedded model)",
        "",
        f"Command: `{COMMAND} --rounds {args.rounds}` (needs `make llm`). Machine: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"model {configured.model} (SmolLM2-135M-Instruct Q4_1, llama.cpp server, "
        f"2 threads, OMP_WAIT_POLICY={environment['OMP_WAIT_POLICY']}). "
        f"{len(names)} replies marked `rephrase` in domain.yml, each reworded "
        f"{args.rounds} times with sample values ({len(calls)} model calls). Load average "
        f"(1 min) {load_before:.1f} before, {load_after:.1f} after: other work on the same "
        "two cores slows the model in proportion (with OpenMP's default, spinning threads, "
        "disproportionately: docs/performance.md, eighteenth step).",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| model server ready after start | {load_s:.1f} s |",
        f"| one model call, P50 / P95 | {statistics.median(model_ms):.0f} ms / "
        f"{percentile(model_ms, 0.95):.0f} ms |",
        f"| one rewording through the NLG (lock, scrub, model, rails), P50 / P95 | "
        f"{statistics.median(totals):.0f} ms / {percentile(totals, 0.95):.0f} ms |",
        f"| reply tokens per second (all calls, prompt evaluation included) | "
        f"{tokens_per_s:.1f} |",
        f"| reply tokens per call, median | {statistics.median(tokens):.0f} |",
        f"| model calls within GENERATION_BUDGET_MS={configured.budget_ms:g} | "
        f"{within}/{len(calls)} |",
        f"| reworded and shown | {reasons.get('rephrased', 0)}/{len(decisions.records)} |",
        "",
        "Why the others fell back to the template: "
        + (
            ", ".join(
                f"{reason} {n}" for reason, n in reasons.most_common() if reason != "rephrased"
            )
            or "none"
        )
        + ". `rail_fact_lock` is a changed, missing or invented fact; `unchanged` a reply the "
        "model gave back as it was.",
    ]
    write_section("generation", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
