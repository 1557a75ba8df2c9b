"""``make bench-desk-sync``: what the desk's transcript sync costs the Rasa server.

The agent desk copies every open ticket's new shopper messages every ``DESK_SYNC_INTERVAL_S``
(desk/handoffs.py). It used to read them from Rasa's ``GET /conversations/<id>/tracker
?include_events=ALL``, which loads, replays and sends the whole conversation at each look, one
look per open ticket. Then each look read ``GET /conversations/<id>/shopper_messages?after=<ts>``
(stores/shopper_messages.py), which asks the tracker store for the user events after the
ticket's last synced one; now a round is one ``POST /shopper_messages`` for every open ticket.

On one isolated stack (SQLite tracker store, as ``make run``), conversations are held over
REST. Two measures, each alternating its variants round by round and taking the Rasa server's
CPU time from ``/proc`` and the wall time around each look or round:

- one look at a conversation of several lengths: whole tracker against new messages;
- one sync round over queues of several sizes: a look per conversation against one request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

from benchmarks.report import write_section
from benchmarks.run import MODEL, seed
from stack.isolated import isolated_env
from stack.processes import Stack

VARIANTS = ("tracker", "shopper_messages")
ROUND_VARIANTS = ("per conversation", "one request")
# Turns of each conversation of a queue of open tickets.
QUEUE_TURNS = 3
# Small talk that keeps a conversation going without a form or a handoff.
SMALL_TALK = ("hi", "thanks", "what can you help me with?", "ok")


@dataclass
class Looks:
    """Per variant and conversation length: Rasa's CPU and the wall time of each look, in ms."""

    cpu_ms: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    wall_ms: dict[tuple[str, int], list[float]] = field(default_factory=dict)

    def add(self, variant: str, turns: int, cpu_ms: float, wall_ms: float) -> None:
        self.cpu_ms.setdefault((variant, turns), []).append(cpu_ms)
        self.wall_ms.setdefault((variant, turns), []).append(wall_ms)

    def timed(self, pid: int, variant: str, key: int, call: Callable[[], object]) -> None:
        """Run ``call``; add process ``pid``'s CPU and the wall time it took."""
        cpu, wall = cpu_seconds(pid), time.perf_counter()
        call()
        self.add(variant, key, (cpu_seconds(pid) - cpu) * 1000, (time.perf_counter() - wall) * 1000)

    def rows(self, variants: tuple[str, str]) -> list[str]:
        """A table row per key: old and new mean CPU, median wall, and new against old."""
        old, new = variants
        rows = []
        for key in sorted({key for _, key in self.cpu_ms}):
            cpu = {v: statistics.mean(self.cpu_ms[(v, key)]) for v in variants}
            wall = {v: statistics.median(self.wall_ms[(v, key)]) for v in variants}
            ratio = cpu[new] / cpu[old] if cpu[old] else float("nan")
            rows.append(
                f"| {key} | {cpu[old]:.1f} | {cpu[new]:.1f} | "
                f"{wall[old]:.1f} → {wall[new]:.1f} | {ratio:.2f}× |"
            )
        return rows


def cpu_seconds(pid: int) -> float:
    """User and system time of one process so far (``/proc/<pid>/stat``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hold_conversation(stack: Stack, sender: str, turns: int) -> float:
    """``turns`` small-talk turns over REST; the timestamp of the shopper's last message."""
    for turn in range(turns):
        text = SMALL_TALK[turn % len(SMALL_TALK)]
        resp = requests.post(stack.rest_url, json={"sender": sender, "message": text}, timeout=60)
        resp.raise_for_status()
    found: list[dict[str, Any]] = look(stack, sender, 0.0, "shopper_messages")["messages"]
    assert len(found) == turns, (sender, len(found))
    return float(found[-1]["timestamp"])


def look(stack: Stack, sender: str, after: float, variant: str) -> dict[str, Any]:
    """One look of the desk's sync at one conversation, the old way or the new."""
    base = f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{sender}"
    params = {"token": stack.env["RASA_AUTH_TOKEN"]}
    if variant == "tracker":
        params["include_events"] = "ALL"
        resp = requests.get(f"{base}/tracker", params=params, timeout=60)
    else:
        params["after"] = repr(after)
        resp = requests.get(f"{base}/shopper_messages", params=params, timeout=60)
    resp.raise_for_status()
    result: dict[str, Any] = resp.json()
    return result


def alternate(
    stack: Stack,
    variants: tuple[str, str],
    cases: dict[int, Callable[[str], object]],
    rounds: int,
) -> Looks:
    """Each case under both variants, in alternation (each first in every other round).

    A case is called with the variant; the Rasa server's CPU and the wall time are taken
    around each call, keyed by the case's number (turns, or open tickets).
    """
    pid = stack.service("rasa server").process.pid  # type: ignore[union-attr]
    looks = Looks()
    for round_ in range(rounds):
        for variant in variants if round_ % 2 == 0 else variants[::-1]:
            for key, case in cases.items():
                looks.timed(pid, variant, key, partial(case, variant))
    return looks


def sync_round(stack: Stack, afters: dict[str, float], variant: str) -> None:
    """One round of the desk's sync over an open queue: a look per conversation, or one."""
    if variant == "per conversation":
        for sender, after in afters.items():
            look(stack, sender, after, "shopper_messages")
        return
    resp = requests.post(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/shopper_messages",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        json={"conversations": afters},
        timeout=60,
    )
    resp.raise_for_status()
    assert set(resp.json()["conversations"]) == set(afters)


def report_rounds(looks: Looks, rounds: int) -> list[str]:
    """Markdown: per queue size, each variant's mean CPU and median wall ms per sync round."""
    return [
        "## One sync round over the open tickets (`make bench-desk-sync`)",
        f"The same run: queues of open tickets, each ticket a conversation of {QUEUE_TURNS}",
        f"turns, then {rounds} sync rounds of both kinds in alternation, nothing new to copy:",
        "one `GET /conversations/<id>/shopper_messages` per ticket, as the desk asked before,",
        "against one `POST /shopper_messages` for the whole queue, as it asks now. CPU: the",
        "Rasa server's, from `/proc`, around each round.",
        "",
        "| open tickets | a look per ticket CPU ms | one request CPU ms | "
        "wall ms, old → new | new against old (CPU) |",
        "|---|---|---|---|---|",
        *looks.rows(ROUND_VARIANTS),
    ]


def report(looks: Looks, rounds: int) -> list[str]:
    """Markdown: each variant's mean CPU and median wall ms per look, and new against old."""
    return [
        "## One look of the desk's transcript sync (`make bench-desk-sync`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine: one isolated stack, one",
        f"conversation of each length held over REST, then {rounds} rounds of both reads in",
        "alternation, one look per conversation after its latest message (nothing new), as the",
        "desk makes it for every open ticket every `DESK_SYNC_INTERVAL_S`",
        "(`benchmarks/desk_sync.py`). CPU: the Rasa server's, from `/proc`, around each look",
        "(it counts in 10 ms ticks: the mean of many looks).",
        "",
        "| turns | `/tracker?include_events=ALL` CPU ms | `/shopper_messages` CPU ms | "
        "wall ms, old → new | new against old (CPU) |",
        "|---|---|---|---|---|",
        *looks.rows(VARIANTS),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.desk_sync")
    parser.add_argument("--turns", type=int, nargs="+", default=[5, 25, 100])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--queues", type=int, nargs="+", default=[1, 20, 100])
    parser.add_argument("--queue-rounds", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'commerce.db'}"
        seed(db_url)
        overrides = isolated_env(Path(tmp), db_url)
        with Stack(overrides=overrides, log_dir=Path(tmp) / "log", model=str(MODEL)) as stack:
            senders = {turns: f"bench-sync-{turns}" for turns in args.turns}
            conversations: dict[int, Callable[[str], object]] = {
                turns: partial(look, stack, sender, hold_conversation(stack, sender, turns))
                for turns, sender in senders.items()
            }
            looks = alternate(stack, VARIANTS, conversations, args.rounds)
            queue = {
                sender: hold_conversation(stack, sender, QUEUE_TURNS)
                for sender in (f"bench-queue-{n}" for n in range(max(args.queues)))
            }
            queues: dict[int, Callable[[str], object]] = {
                size: partial(sync_round, stack, dict(list(queue.items())[:size]))
                for size in args.queues
            }
            rounds = alternate(stack, ROUND_VARIANTS, queues, args.queue_rounds)
    lines = [*report(looks, args.rounds), "", *report_rounds(rounds, args.queue_rounds)]
    print("\n".join(lines))
    if not args.no_write:
        write_section("desk-sync", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
