"""Sample orders for demos: every status, with what a tester needs to verify each one."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from commerce.db import Database
from commerce.demo_orders import main
from commerce.models import ORDER_STATUSES
from commerce.queries import verify_order

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = {"order_id", "email", "postcode", "status", "customer_name", "customer_id"}


def _records(db_url: str) -> list[dict[str, str]]:
    out = io.StringIO()
    assert main(["--db", db_url], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_when_store_is_seeded_then_samples_cover_all_thirteen_statuses(
    demo_store_url: str,
) -> None:
    records = _records(demo_store_url)
    per_status = Counter(record["status"] for record in records)

    assert set(per_status) == set(ORDER_STATUSES) and len(per_status) == 13
    assert min(per_status.values()) >= 2
    assert all(set(record) >= REQUIRED for record in records)
    assert len({record["order_id"] for record in records}) == len(records)


def test_when_a_sample_is_used_then_its_email_and_postcode_both_verify(
    demo_store_url: str, demo_db: Database
) -> None:
    for record in _records(demo_store_url):
        for answer in (record["email"], record["postcode"]):
            order = demo_db.run_sync(
                lambda s, a=answer, r=record["order_id"]: verify_order(s, r, a)
            )
            assert (order.id, order.customer_id) == (record["order_id"], record["customer_id"])


def test_when_run_as_a_command_then_it_prints_one_json_object_per_line(
    demo_store_url: str,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "commerce.demo_orders", "--db", demo_store_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    lines = done.stdout.splitlines()
    assert len(lines) >= 24
    assert {json.loads(line)["status"] for line in lines} == set(ORDER_STATUSES)


def test_when_store_is_missing_then_it_says_how_to_seed_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()

    assert main(["--db", f"sqlite:///{tmp_path / 'nowhere.db'}"], out=out) == 1
    assert out.getvalue() == ""
    assert "python -m commerce.seed" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists()


def test_when_store_has_no_orders_then_it_reports_the_missing_statuses(
    empty_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()

    assert main(["--db", empty_db.url], out=out) == 1
    assert "no orders with status" in capsys.readouterr().err


def test_when_the_store_is_tau_bench_then_samples_cover_the_statuses_it_has(
    tau_store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _records(tau_store_url)

    assert {record["status"] for record in records} == {
        "pending",
        "shipped",
        "delivered",
        "cancelled",
    }
    assert all(record["order_id"].startswith("#W") for record in records)
    assert all(set(record) >= REQUIRED for record in records)
    assert capsys.readouterr().err == ""
