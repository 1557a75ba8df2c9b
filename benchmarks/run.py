"""``make bench``: how fast Aftercare understands and answers, measured on this machine.

Writes docs/benchmarks.md with the numbers and the command that produced them. Three things:
NLU parse time on the held-out shopper messages, per-turn latency of whole order-status
conversations over REST on the running stack, and how the per-turn cost grows in one long
conversation. Training time is measured with ``--train``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests

from benchmarks.report import OUT, write_section
from stack.isolated import demo_orders, isolated_env, seed_store
from stack.processes import Stack
from stack.settings import ROOT

MODEL = ROOT / "models" / "aftercare.tar.gz"
HELD_OUT = ROOT / "tests" / "nlu" / "held_out.yml"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} ms, P95 {pct(values, 95):.1f} ms, "
        f"max {max(values):.1f} ms (n={len(values)})"
    )


async def nlu_latency() -> list[float]:
    """Parse every held-out message once (after a warm-up) and time each parse."""
    from rasa.core.agent import load_agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = await load_agent(str(MODEL))
    texts = [ex.get("text") for ex in load_data(str(HELD_OUT)).intent_examples]
    for text in texts[:20]:
        await agent.parse_message(text)
    timings = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def seed(db_url: str) -> list[dict[str, str]]:
    """A fresh demo store and its sample orders."""
    seed_store(db_url)
    return demo_orders(db_url)


def turn(url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    resp = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
    resp.raise_for_status()
    return (time.perf_counter() - start) * 1000


def conversations(stack: Stack, orders: list[dict[str, str]], count: int) -> list[float]:
    """Whole order-status conversations: ask, order number, e-mail (verified answer), thanks."""
    timings: list[float] = []
    for i in range(count):
        order = orders[i % len(orders)]
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        for text in ("hi, where is my order?", order["order_id"], order["email"], "thanks!"):
            timings.append(turn(stack.rest_url, sender, text))
    return timings


def long_conversation(stack: Stack, turns: int) -> tuple[float, float]:
    """Median latency of the first and last 20 turns of one long conversation."""
    sender = f"bench-long-{uuid.uuid4().hex[:8]}"
    script = ["hi", "are you a bot?", "what's the weather", "thanks"]
    timings = [turn(stack.rest_url, sender, script[i % len(script)]) for i in range(turns)]
    return statistics.median(timings[:20]), statistics.median(timings[-20:])


def train_time() -> float:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [str(Path(sys.executable).parent / "rasa"), "train", "--out", tmp, "--force"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--long-turns", type=int, default=200)
    parser.add_argument("--train", action="store_true", help="also time a full rasa train")
    args = parser.parse_args()

    nlu = asyncio.run(nlu_latency())
    print("NLU parse:", summary(nlu))
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/commerce.db"
        orders = [o for o in seed(db_url) if o["status"] in ("in_transit", "delivered", "delayed")]
        overrides = isolated_env(Path(tmp), db_url)
        started = time.perf_counter()
        with Stack(overrides=overrides, log_dir=Path(tmp) / "log", model=str(MODEL)) as stack:
            ready_s = time.perf_counter() - started
            print(f"stack ready in {ready_s:.1f} s")
            convo = conversations(stack, orders, args.conversations)
            print("REST turn:", summary(convo))
            first, last = long_conversation(stack, args.long_turns)
            print(f"long conversation: first 20 turns {first:.1f} ms, last 20 {last:.1f} ms")
    trained = train_time() if args.train else None
    write_report(nlu, convo, ready_s, first, last, args, trained)
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0


def write_report(
    nlu: list[float],
    convo: list[float],
    ready_s: float,
    first: float,
    last: float,
    args: argparse.Namespace,
    trained: float | None,
) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Conversation latency and training",
        "",
        f"Measured {when} on {platform.machine()}, {platform.python_version()}, "
        "2 cores, embedded mode (SQLite tracker store, in-memory lock store, no broker).",
        f"Produced by `make bench` (`python -m benchmarks.run --conversations "
        f"{args.conversations} --long-turns {args.long_turns}{' --train' if trained else ''}`);"
        " this section is rewritten by each run.",
        "",
        "| what | result |",
        "|---|---|",
        f"| NLU parse of one held-out shopper message (in-process) | {summary(nlu)} |",
        f"| REST turn, whole order-status conversations (greet+ask, order number, "
        f"e-mail with live backend answer, thanks) | {summary(convo)} |",
        f"| one conversation of {args.long_turns} turns: median of first 20 turns → last 20 "
        f"| {first:.1f} ms → {last:.1f} ms |",
        f"| stack start (backend, action server, Rasa server ready) | {ready_s:.1f} s |",
    ]
    if trained is not None:
        lines.append(f"| `rasa train --force` (NLU + dialogue) | {trained:.1f} s |")
    write_section("core", lines)


if __name__ == "__main__":
    sys.exit(main())
