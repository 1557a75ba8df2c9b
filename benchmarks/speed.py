"""``make bench-load``: Aftercare's cost per turn and capacity beside a bare Rasa bot, in one run.

The machine is shared and its speed moves from run to run, so every figure is measured here
twice, side by side: on Aftercare (``make run``'s stack: REST, SQLite tracker store, the backend
and the action server) and on the bot ``rasa init`` makes, started from the same virtualenv
with the same tracker store. The ratio is the result.

- small-talk turn (hi / thanks / bye), one shopper at a time, both bots in alternating rounds;
- order-status turn (question, order number, e-mail, thanks): Aftercare only (bare Rasa has
  no orders);
- capacity: 50 shoppers without think time, small talk, and order-status on Aftercare;
- open loop: 50 shoppers with 3 s think time (1.5-4.5 s, arriving independently), small
  talk: P50, P90, P99;
- one conversation of 200 turns: median of the last 20 turns over the first 20.

The bare bot is built once under ``var/bare-rasa`` (``rasa init --no-prompt``, about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.report import write_section
from benchmarks.run import MODEL, pct, seed
from stack.isolated import free_port, isolated_env
from stack.processes import Stack, healthy
from stack.settings import ROOT

BARE = ROOT / "var" / "bare-rasa"
RASA = Path(sys.executable).parent / "rasa"
SMALL_TALK = ("hi", "thanks", "bye")


def bare_model() -> Path:
    """The trained ``rasa init`` bot, made on first use."""
    models = sorted((BARE / "models").glob("*.tar.gz"))
    if not models:
        BARE.mkdir(parents=True, exist_ok=True)
        print("training the bare rasa init bot (about a minute)...", flush=True)
        subprocess.run(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(BARE)],
            check=True,
            cwd=BARE,
            stdout=subprocess.DEVNULL,
        )
        models = sorted((BARE / "models").glob("*.tar.gz"))
    return models[-1]


@contextmanager
def bare_rasa(tmp: Path) -> Iterator[str]:
    """The bare bot on a free port with an SQLite tracker store; its REST webhook URL."""
    port = free_port()
    endpoints = tmp / "bare-endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp / 'bare-tracker.db'}\n",
        encoding="utf-8",
    )
    log = (tmp / "bare-rasa.log").open("w")
    process = subprocess.Popen(
        [str(RASA), "run", "--model", str(bare_model()), "--port", str(port),
         "--endpoints", str(endpoints)],
        cwd=BARE,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while not healthy(f"http://127.0.0.1:{port}/"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bare Rasa bot did not start; see {tmp / 'bare-rasa.log'}")
            time.sleep(1)
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        process.terminate()
        process.wait(30)
        log.close()


@dataclass
class Timings:
    """Latencies of turns (ms) and how long they took together."""

    ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failed: int = 0

    def p(self, q: float) -> float:
        return pct(self.ms, q)

    @property
    def rate(self) -> float:
        return len(self.ms) / self.seconds if self.seconds else 0.0


async def post(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, *, answered: bool = True
) -> float:
    """One turn; its latency in ms (raises on a failed answer, and on an empty one if
    ``answered``)."""
    started = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        response.raise_for_status()
        if not await response.json() and answered:
            raise RuntimeError(f"no answer to {text!r}")
    return (time.perf_counter() - started) * 1000


Script = Callable[[int], list[str]]


def small_talk(_: int) -> list[str]:
    return list(SMALL_TALK)


def order_status(orders: list[dict[str, str]]) -> Script:
    def script(n: int) -> list[str]:
        order = orders[n % len(orders)]
        return ["hi, where is my order?", order["order_id"], order["email"], "thanks!"]

    return script


async def shoppers(
    url: str,
    script: Script,
    count: int,
    seconds: float,
    think_s: float = 0.0,
    answered: bool = True,
) -> Timings:
    """``count`` shoppers repeating ``script`` conversations for ``seconds``.

    With ``think_s``, each shopper first waits a random part of it, then pauses between 0.5
    and 1.5 times ``think_s`` after each answer (as Locust's ``between``), so that shoppers
    arrive independently. With one fixed pause they would stay in step: all of them sent their
    message in the same instant every few seconds, and the last in each burst waited for all
    the others, on bare Rasa as on Aftercare.
    """
    timings = Timings()
    deadline = time.monotonic() + seconds
    numbers = itertools.count()
    pauses = random.Random(42)

    async def shopper(session: aiohttp.ClientSession) -> None:
        if think_s:
            await asyncio.sleep(pauses.uniform(0, think_s))
        while time.monotonic() < deadline:
            sender = f"load-{uuid.uuid4().hex[:12]}"
            for text in script(next(numbers)):
                if time.monotonic() >= deadline:
                    return
                try:
                    timings.ms.append(await post(session, url, sender, text, answered=answered))
                except (aiohttp.ClientError, RuntimeError, asyncio.TimeoutError):
                    timings.failed += 1
                if think_s:
                    await asyncio.sleep(pauses.uniform(0.5 * think_s, 1.5 * think_s))

    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=count)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(shopper(session) for _ in range(count)))
        timings.seconds = time.monotonic() - started
    return timings


async def long_conversation(url: str, turns: int, answered: bool) -> tuple[float, float]:
    """Median ms of the first and of the last 20 turns of one conversation.

    The bare bot is timed with ``answered=False``: ``rasa init`` trains TED without a seed,
    and some trainings end a long run of "thanks" with a silent ``action_listen``, a turn that
    still costs what any other does.
    """
    sender = f"long-{uuid.uuid4().hex[:10]}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        ms = [
            await post(session, url, sender, SMALL_TALK[i % 3], answered=answered)
            for i in range(turns)
        ]
    return statistics.median(ms[:20]), statistics.median(ms[-20:])


def side_by_side(
    urls: dict[str, str], measure: Callable[[str], Coroutine[Any, Any, Timings]], rounds: int
) -> dict[str, Timings]:
    """``measure`` on each bot in turn, ``rounds`` times, the timings of each bot pooled."""
    pooled = {name: Timings() for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            got = asyncio.run(measure(url))
            pooled[name].ms += got.ms
            pooled[name].seconds += got.seconds
            pooled[name].failed += got.failed
    return pooled


def ratio(ours: float, bare: float) -> str:
    return f"{ours / bare:.2f}×" if bare else "–"


def report(results: dict[str, Any], args: argparse.Namespace) -> list[str]:
    talk, cap, open_loop = results["talk"], results["capacity"], results["open"]
    order, order_cap, long = results["order"], results["order_capacity"], results["long"]
    bare_long = long["bare"][1] / long["bare"][0]
    ours_long = long["ours"][1] / long["ours"][0]
    lines = [
        "## Per-turn cost and capacity against bare Rasa (`make bench-load`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine (2 cores), both bots started from",
        "the same virtualenv with REST and an SQLite tracker store, measured in one run. The",
        "bare bot is `rasa init`'s. Reproduce: `make bench-load`.",
        "",
        "| figure | bare Rasa | Aftercare | ratio |",
        "|---|---|---|---|",
        f"| small-talk turn, one shopper, P50 / P90 / P99 (ms) | {talk['bare'].p(50):.1f} / "
        f"{talk['bare'].p(90):.1f} / {talk['bare'].p(99):.1f} | {talk['ours'].p(50):.1f} / "
        f"{talk['ours'].p(90):.1f} / {talk['ours'].p(99):.1f} | "
        f"{ratio(talk['ours'].p(50), talk['bare'].p(50))} |",
        f"| order-status turn, one shopper, P50 / P90 / P99 (ms) | – | {order.p(50):.1f} / "
        f"{order.p(90):.1f} / {order.p(99):.1f} | – |",
        f"| capacity, {args.shoppers} shoppers without think time, small talk (turns/s) | "
        f"{cap['bare'].rate:.1f} | {cap['ours'].rate:.1f} | "
        f"{ratio(cap['ours'].rate, cap['bare'].rate)} |",
        f"| capacity, order-status conversations (turns/s) | – | {order_cap.rate:.1f} | – |",
        f"| open loop, {args.shoppers} shoppers, {args.think_s:g} s think time (on average), "
        "P50 / P90 / P99 "
        f"(ms) | {open_loop['bare'].p(50):.0f} / {open_loop['bare'].p(90):.0f} / "
        f"{open_loop['bare'].p(99):.0f} | {open_loop['ours'].p(50):.0f} / "
        f"{open_loop['ours'].p(90):.0f} / {open_loop['ours'].p(99):.0f} | "
        f"{ratio(open_loop['ours'].p(99), open_loop['bare'].p(99))} (P99) |",
        f"| one conversation of {args.long_turns} turns: last 20 / first 20 (median ms) | "
        # two decimals: the target (1.5×) is a line the ratio sits near
        f"{bare_long:.2f}× ({long['bare'][0]:.1f} → {long['bare'][1]:.1f}) | "
        f"{ours_long:.2f}× ({long['ours'][0]:.1f} → {long['ours'][1]:.1f}) | – |",
        "",
        f"Turns measured: small talk {len(talk['bare'].ms)} + {len(talk['ours'].ms)}, "
        f"order-status {len(order.ms)}; failed turns (an error, or no answer from Aftercare): "
        f"{sum(r['bare'].failed for r in (talk, cap, open_loop))} bare small talk, "
        f"{sum(r['ours'].failed for r in (talk, cap, open_loop))} Aftercare small talk, "
        f"{order.failed + order_cap.failed} order-status.",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed")
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--think-s", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=20.0, help="per capacity measurement")
    parser.add_argument("--turns", type=int, default=30, help="single-shopper turns per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long-turns", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    bare_model()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db_url = f"sqlite:///{tmp}/commerce.db"
        orders = [o for o in seed(db_url) if o["status"] in ("in_transit", "delivered", "delayed")]
        overrides = isolated_env(tmp, db_url)
        with (
            Stack(overrides=overrides, log_dir=tmp / "log", model=str(MODEL)) as stack,
            bare_rasa(tmp) as bare_url,
        ):
            urls = {"bare": bare_url, "ours": stack.rest_url}
            ours = stack.rest_url  # the bare bot's silent turns are turns (long_conversation)
            results: dict[str, Any] = {
                "talk": side_by_side(
                    urls, lambda u: _turns(u, small_talk, args.turns, u == ours), args.rounds
                )
            }
            print("small talk done", flush=True)
            results["order"] = asyncio.run(
                _turns(stack.rest_url, order_status(orders), 4 * args.turns)
            )
            results["capacity"] = side_by_side(
                urls,
                lambda u: shoppers(u, small_talk, args.shoppers, args.seconds, answered=u == ours),
                1,
            )
            results["order_capacity"] = asyncio.run(
                shoppers(stack.rest_url, order_status(orders), args.shoppers, args.seconds)
            )
            results["open"] = side_by_side(
                urls,
                lambda u: shoppers(
                    u, small_talk, args.shoppers, args.seconds * 2, args.think_s, u == ours
                ),
                1,
            )
            results["long"] = {
                name: asyncio.run(long_conversation(url, args.long_turns, name == "ours"))
                for name, url in urls.items()
            }
    lines = report(results, args)
    print("\n".join(lines))
    if not args.no_write:
        write_section("load", lines)
    return 0


async def _turns(url: str, script: Script, turns: int, answered: bool = True) -> Timings:
    """``turns`` turns by one shopper, conversation after conversation."""
    timings = Timings()
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for n in itertools.count():
            sender = f"one-{uuid.uuid4().hex[:12]}"
            for text in script(n):
                if len(timings.ms) + timings.failed >= turns:
                    timings.seconds = time.monotonic() - started
                    return timings
                try:
                    timings.ms.append(await post(session, url, sender, text, answered=answered))
                except (aiohttp.ClientError, RuntimeError, asyncio.TimeoutError):
                    timings.failed += 1
    raise AssertionError("unreachable")


if __name__ == "__main__":
    sys.exit(main())
