"""The τ-bench retail store behind the assistant, with the τ-bench policy file."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from stack.processes import Stack
from tests.conftest import ROOT
from tests.e2e.conftest import MODEL, Chat, _free_port, backend_order

TAU_DATA = ROOT.parent / "shared" / "data" / "tau_bench_retail"


@pytest.fixture(scope="module")
def tau_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("tau")
    db_url = f"sqlite:///{tmp / 'tau.db'}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "commerce.seed",
            "--store",
            "tau-bench",
            "--db",
            db_url,
            "--data-dir",
            str(TAU_DATA),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    rasa, actions, commerce = _free_port(), _free_port(), _free_port()
    overrides = {
        "RASA_PORT": str(rasa),
        "ACTION_PORT": str(actions),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions}/webhook",
        "COMMERCE_PORT": str(commerce),
        "COMMERCE_API_URL": f"http://127.0.0.1:{commerce}",
        "COMMERCE_DB_URL": db_url,
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "MERCHANT_POLICY": str(ROOT / "data" / "policy" / "tau-bench.yml"),
    }
    with Stack(overrides=overrides, log_dir=tmp / "log", model=str(MODEL)) as running:
        yield running


def tau_orders(status: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(order, user) pairs of the τ-bench data in a given τ-bench status."""
    users = json.loads((TAU_DATA / "users.json").read_text())
    orders = json.loads((TAU_DATA / "orders.json").read_text())
    return [(o, users[o["user_id"]]) for o in orders.values() if o["status"] == status]


def test_when_tau_shopper_cancels_a_pending_order_then_it_is_cancelled(tau_stack: Stack) -> None:
    order, user = tau_orders("pending")[0]
    chat = Chat(tau_stack.rest_url)
    chat.text("I want to cancel my order")
    chat.text(order["order_id"])
    assert "why" in chat.text(user["email"]).lower()
    assert "Shall I go ahead" in chat.text("no longer needed")
    assert "is cancelled" in chat.text("yes")
    assert backend_order(tau_stack, order["order_id"])["status"] == "cancelled"


def test_when_tau_order_is_processed_then_cancellation_is_refused(tau_stack: Stack) -> None:
    order, user = tau_orders("processed")[0]
    chat = Chat(tau_stack.rest_url)
    chat.text(f"cancel order {order['order_id']}")
    reply = chat.text(user["email"])
    assert "can't be cancelled" in reply
    assert backend_order(tau_stack, order["order_id"])["status"] == "shipped"


def test_when_tau_shopper_asks_where_an_order_is_then_it_is_answered(tau_stack: Stack) -> None:
    order, user = tau_orders("delivered")[0]
    chat = Chat(tau_stack.rest_url)
    chat.text(f"where is my order {order['order_id']}")
    reply = chat.text(user["email"])
    assert "delivered" in reply and order["order_id"] in reply


def test_tau_policy_answers_have_no_return_deadline(tau_stack: Stack) -> None:
    reply = Chat(tau_stack.rest_url).text("how many days do i have to return something?")
    assert "no time limit" in reply
