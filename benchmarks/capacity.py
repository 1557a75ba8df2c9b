"""``make bench-capacity``: turns per second of production mode with one and with two instances.

For each instance count, production mode starts (``python -m stack prod start``, PostgreSQL,
Redis locks, RabbitMQ, HAProxy) with that many Rasa and action servers, and shoppers without
think time (``benchmarks/load.py``: order-status and return conversations) keep it saturated
for a while after a warm-up. Reported: answered turns per second, the share that failed, and
latency percentiles; the two runs are side by side in one invocation, so their ratio holds on
this shared machine even when the absolute figures move.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

from benchmarks.load import Load, delivered_orders, percentile
from stack import production
from stack.isolated import postgres_role, production_beside


async def saturate(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Shoppers without think time; figures over the measured window only."""
    topology = production.Topology.from_env(env)
    load = Load(
        f"http://127.0.0.1:{topology.rasa_port}/webhooks/rest/webhook",
        delivered_orders(env["COMMERCE_DB_URL"]),
        think_s=(0.0, 0.0),
    )
    stop = asyncio.Event()
    pick = load.returns_share(args.returns_share)
    shoppers = [asyncio.create_task(load.shopper(stop, pick)) for _ in range(args.shoppers)]
    await asyncio.sleep(args.warmup_s)
    start = time.monotonic()
    await asyncio.sleep(args.measure_s)
    end = time.monotonic()
    stop.set()
    await asyncio.gather(*shoppers, return_exceptions=True)
    window = [t for t in load.turns if start <= t.sent_at and t.sent_at + t.latency_s <= end]
    answered = [t for t in window if not t.failed]
    latencies = [t.latency_s for t in answered]
    return {
        "turns_per_s": len(answered) / (end - start),
        "failed": sum(t.failed for t in window),
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p90_ms": 1000 * percentile(latencies, 0.9),
        "p99_ms": 1000 * percentile(latencies, 0.99),
    }


def measure(instances: int, args: argparse.Namespace, role: str) -> dict[str, Any]:
    """Start production mode with ``instances`` of each server, saturate it, stop it.

    ``--sanic-workers`` N runs each Rasa instance as N Sanic worker processes instead (Rasa
    allows it with a Redis lock store): the other way to use a second core.
    """
    print(
        f"starting production mode with {instances} instance(s) of each server, "
        f"{args.sanic_workers} Sanic worker(s) each...",
        flush=True,
    )
    with production_beside(
        "aftercare_cap",
        role,
        PROD_RASA_INSTANCES=str(instances),
        PROD_ACTION_INSTANCES=str(instances),
        SANIC_WORKERS=str(args.sanic_workers),
    ) as env:
        return {"instances": instances, **asyncio.run(saturate(env, args))}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.capacity")
    parser.add_argument("--shoppers", type=int, default=20)
    parser.add_argument("--warmup-s", type=float, default=15)
    parser.add_argument("--measure-s", type=float, default=60)
    parser.add_argument("--returns-share", type=float, default=0.3)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sanic-workers", type=int, default=1, help="per Rasa instance")
    args = parser.parse_args()
    role = postgres_role()
    if role is None:
        print("error: needs PostgreSQL on 127.0.0.1:5432 (trust auth)", file=sys.stderr)
        return 1
    rows = [measure(n, args, role) for n in args.instances]
    cores = os.cpu_count() or 1
    print(f"\n{args.shoppers} shoppers without think time, {cores} cores")
    print(f"{'instances':>9}{'turns/s':>9}{'failed':>8}{'P50 ms':>8}{'P90 ms':>8}{'P99 ms':>8}")
    for r in rows:
        print(
            f"{r['instances']:>9}{r['turns_per_s']:>9.1f}{r['failed']:>8}{r['p50_ms']:>8.0f}"
            f"{r['p90_ms']:>8.0f}{r['p99_ms']:>8.0f}"
        )
    if len(rows) > 1:
        print(f"ratio {rows[-1]['turns_per_s'] / rows[0]['turns_per_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
