"""The τ-bench retail store behind the assistant, with the τ-bench policy file.

τ-bench is a merchant of the session's stack, `tau`, with a commerce backend of its own: its
shoppers reach the shared Rasa and action servers through the REST channel with a token
naming their merchant, as a shop's own site would send it, and every order call goes to its
backend, never to the demo store's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from merchants.identity import sign_channel_token
from stack.isolated import seed_store
from stack.processes import LAUNCH, Service, Stack
from tests.conftest import ROOT
from tests.e2e.conftest import (
    TAU_POLICY,
    Chat,
    TauTenant,
    backend_get,
    backend_order,
    wait_until,
)
from tests.e2e.variants import (
    after_item_question,
    after_payment_question,
    alternative,
    line_sku,
    returnable_lines,
)

TAU_DATA = ROOT.parent / "shared" / "data" / "tau_bench_retail"


@dataclass(frozen=True)
class TauShop:
    """The `tau` merchant as its shoppers and the tests reach it."""

    rest_url: str
    # its own backend's address and token, where `backend_get` looks for a backend
    env: dict[str, str]
    channel_secret: str

    def chat(self) -> Chat:
        """A shopper of this merchant: the REST channel, with a signed token naming it."""
        token = sign_channel_token({"tenant": "tau"}, self.channel_secret)
        return Chat(self.rest_url, metadata={"channel_token": token})


@pytest.fixture(scope="module")
def tau_shop(
    stack: Stack, tau_tenant: TauTenant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TauShop]:
    """τ-bench's store seeded and served by a backend of its own, where the stack expects it."""
    tmp = tmp_path_factory.mktemp("tau")
    db_url = f"sqlite:///{tmp / 'tau.db'}"
    seed_store(db_url, "--store", "tau-bench", "--data-dir", str(TAU_DATA))
    backend = Service(
        "τ-bench backend", [*LAUNCH, "commerce"], f"{tau_tenant.url}/health", tmp / "commerce.log"
    )
    backend.start(
        stack.env
        | {
            "COMMERCE_PORT": str(tau_tenant.port),
            "COMMERCE_DB_URL": db_url,
            "COMMERCE_API_TOKEN": tau_tenant.token,
            "MERCHANT_POLICY": str(TAU_POLICY),
            "MERCHANT_POLICIES": f"tau={TAU_POLICY}",
            # its shipments' news would go to the demo merchants' proactive service: off
            "AFTERCARE_PROACTIVE_URL": "",
        }
    )
    try:
        wait_until(backend.is_healthy, 60, "the τ-bench backend to answer", backend.log_path)
        yield TauShop(
            rest_url=stack.rest_url,
            env={"COMMERCE_API_URL": tau_tenant.url, "COMMERCE_API_TOKEN": tau_tenant.token},
            channel_secret=stack.env["AFTERCARE_CHANNEL_SECRET"],
        )
    finally:
        backend.stop()


def tau_orders(status: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(order, user) pairs of the τ-bench data in a given τ-bench status."""
    users = json.loads((TAU_DATA / "users.json").read_text())
    orders = json.loads((TAU_DATA / "orders.json").read_text())
    return [(o, users[o["user_id"]]) for o in orders.values() if o["status"] == status]


def test_when_tau_shopper_cancels_a_pending_order_then_it_is_cancelled(tau_shop: TauShop) -> None:
    order, user = tau_orders("pending")[0]
    chat = tau_shop.chat()
    chat.text("I want to cancel my order")
    chat.text(order["order_id"])
    assert "why" in chat.text(user["email"]).lower()
    assert "Shall I go ahead" in chat.text("no longer needed")
    assert "is cancelled" in chat.text("yes")
    assert backend_order(tau_shop, order["order_id"])["status"] == "cancelled"


def test_when_tau_order_is_processed_then_cancellation_is_refused(tau_shop: TauShop) -> None:
    order, user = tau_orders("processed")[0]
    chat = tau_shop.chat()
    chat.text(f"cancel order {order['order_id']}")
    reply = chat.text(user["email"])
    assert "can't be cancelled" in reply
    assert backend_order(tau_shop, order["order_id"])["status"] == "shipped"


def test_when_tau_shopper_asks_where_an_order_is_then_it_is_answered(tau_shop: TauShop) -> None:
    order, user = tau_orders("delivered")[0]
    chat = tau_shop.chat()
    chat.text(f"where is my order {order['order_id']}")
    reply = chat.text(user["email"])
    assert "delivered" in reply and order["order_id"] in reply


def test_tau_policy_answers_have_no_return_deadline(tau_shop: TauShop) -> None:
    reply = tau_shop.chat().text("how many days do i have to return something?")
    assert "no time limit" in reply


# --- authentication first, then only the shopper's own orders ---------------------------


def _full_name(user: dict[str, Any]) -> str:
    return f"{user['name']['first_name']} {user['name']['last_name']}"


def _users_pending(min_pending: int = 1) -> list[tuple[dict[str, Any], list[str]]]:
    """τ users with at least ``min_pending`` pending orders, and those orders."""
    orders = json.loads((TAU_DATA / "orders.json").read_text())
    users = json.loads((TAU_DATA / "users.json").read_text())
    found = []
    for user in users.values():
        pending = [o for o in user["orders"] if orders[o]["status"] == "pending"]
        if len(pending) >= min_pending:
            found.append((user, pending))
    return found


def test_when_tau_shopper_names_an_order_first_then_they_are_identified_before_anything(
    tau_shop: TauShop,
) -> None:
    user, pending = _users_pending()[5]
    chat = tau_shop.chat()
    reply = chat.text(f"where is order {pending[0]}?")
    assert "confirm who you are" in reply and pending[0] not in reply
    answer = chat.text(f"{_full_name(user)}, {user['address']['zip']}")
    assert pending[0] in answer  # the status of that order, now that it is theirs


def test_when_tau_shopper_is_identified_then_they_pick_from_their_own_orders(
    tau_shop: TauShop,
) -> None:
    user, _ = _users_pending()[6]
    chat = tau_shop.chat()
    chat.text("I want to cancel an order")
    messages = chat.say(user["email"])
    payloads = " ".join(b["payload"] for m in messages for b in m.get("buttons", []))
    newest = {o["order_id"] for o in customer_orders_of(tau_shop, user)}
    assert newest and all(order_id in payloads for order_id in newest)


def customer_orders_of(stack: TauShop, user: dict[str, Any]) -> list[dict[str, Any]]:
    customer = backend_get(stack, "customers", email=user["email"])
    orders: list[dict[str, Any]] = backend_get(
        stack, f"customers/{customer['customer_id']}/orders", limit="5"
    )["orders"]
    return orders


def test_someone_elses_order_gets_the_same_refusal_as_an_order_that_does_not_exist(
    tau_shop: TauShop,
) -> None:
    (user, _), (_, other_pending) = _users_pending()[7], _users_pending()[8]
    replies = []
    for order_ref in (other_pending[0], "#W0000000"):  # each the first miss of its conversation
        chat = tau_shop.chat()
        chat.text("cancel my order please")
        chat.text(user["email"])
        replies.append(chat.text(order_ref))
    theirs, missing = replies
    assert "only help with orders on your own account" in theirs
    assert theirs == missing
    assert backend_order(tau_shop, other_pending[0])["status"] == "pending"


def test_when_the_name_and_zip_match_nobody_then_no_order_is_looked_at(tau_shop: TauShop) -> None:
    chat = tau_shop.chat()
    chat.text("I'd like to return something")
    reply = chat.text("Nobody Atall, 00000")
    assert "couldn't find an account" in reply


# --- item changes, payment changes, exchanges -----------------------------------------


def _item_change_case(
    stack: TauShop, *, gift_card_short: bool
) -> tuple[dict[str, Any], str, dict[str, Any], dict[str, Any]]:
    """A pending τ order with an in-stock alternative; optionally one a gift card can't pay."""
    for user, pending in _users_pending():
        cards = [m for m in user["payment_methods"].values() if m["source"] == "gift_card"]
        credit = [m for m in user["payment_methods"].values() if m["source"] == "credit_card"]
        if gift_card_short and not (cards and credit):
            continue
        for order_id in pending:
            if backend_order(stack, order_id)["items_modified"]:
                continue
            alt = alternative(stack, order_id)
            if alt is None:
                continue
            if gift_card_short and not alt["difference"] > cards[0]["balance"]:
                continue
            if not gift_card_short and abs(alt["difference"]) < 0.01:
                continue
            return user, order_id, alt, (cards or credit or [{}])[0]
    pytest.fail("the seed lacks it: no τ order fits this case")


def test_a_gift_card_that_does_not_cover_the_difference_is_refused_and_another_method_pays(
    tau_shop: TauShop,
) -> None:
    user, order_id, alt, gift_card = _item_change_case(tau_shop, gift_card_short=True)
    chat = tau_shop.chat()
    chat.text(f"i want to modify the items of my pending order {order_id}")
    chat.text(user["email"])
    assert "Which payment method should pay the difference" in chat.text(alt["words"])
    assert "doesn't cover" in chat.text("my gift card")
    assert "Shall I go ahead" in chat.text("credit card")
    assert "now has" in chat.text("yes")
    after = backend_order(tau_shop, order_id)
    assert line_sku(tau_shop, order_id, alt["line"]["line_id"]) == alt["variant"]["sku"]
    charged = [p for p in after["payments"] if p["method"]["type"] == "credit_card"]
    assert any(abs(float(p["amount"]) - alt["difference"]) < 0.01 for p in charged)
    methods = backend_get(tau_shop, f"customers/{after['customer_id']}/payment-methods")
    balances = [m["balance"] for m in methods["payment_methods"] if m["type"] == "gift_card"]
    assert float(balances[0]) == pytest.approx(gift_card["balance"])


def test_after_an_item_change_a_tau_order_can_no_longer_be_cancelled(tau_shop: TauShop) -> None:
    user, order_id, alt, _ = _item_change_case(tau_shop, gift_card_short=False)
    chat = tau_shop.chat()
    chat.text(f"change an item in order {order_id}")
    chat.text(f"{_full_name(user)} {user['address']['zip']}")
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(next(iter(user["payment_methods"])))
    )
    assert "Shall I go ahead" in reply
    chat.text("yes")
    again = tau_shop.chat()
    again.text(f"cancel order {order_id}")
    assert "can't be changed any more" in again.text(user["email"])
    assert backend_order(tau_shop, order_id)["status"] == "pending"


def _delivered_with_option(
    stack: TauShop, start: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A delivered τ order with no return yet, its shopper, and an option to exchange to."""
    for order, user in tau_orders("delivered")[start:]:
        if backend_order(stack, order["order_id"])["returns"]:
            continue
        alt = alternative(stack, order["order_id"])
        if alt is not None:
            return order, user, alt
    pytest.fail("the seed lacks it: no delivered τ order with another option in stock")


def _finish_exchange(
    stack: TauShop, chat: Chat, order: dict[str, Any], user: dict[str, Any], alt: dict[str, Any]
) -> None:
    """Name the new option (and a payment method if asked), say yes, check the backend."""
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(next(iter(user["payment_methods"])))
    )
    assert "Shall I start the exchange" in reply
    chat.text("yes")
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "exchange_requested"
    assert [r["resolution"] for r in after["returns"]] == ["exchange"]


def test_a_tau_exchange_opens_one_rma_and_the_order_is_exchange_requested(
    tau_shop: TauShop,
) -> None:
    order, user, alt = _delivered_with_option(tau_shop, start=10)
    chat = tau_shop.chat()
    chat.text(f"I want to exchange an item from {order['order_id']}")
    after_item_question(
        chat.text(user["email"]),
        len(returnable_lines(tau_shop, order["order_id"])) > 1,
        lambda: chat.text(alt["line"]["product_name"]),
    )
    chat.text("want a different one")
    chat.text("exchange")
    _finish_exchange(tau_shop, chat, order, user, alt)


def test_switching_to_the_other_order_mid_cancellation_cancels_only_that_one(
    tau_shop: TauShop,
) -> None:
    user, pending = _users_pending(min_pending=2)[3]
    first, second = pending[0], pending[1]
    chat = tau_shop.chat()
    chat.text(f"please cancel order {first}")
    assert "why" in chat.text(user["email"]).lower()
    reply = chat.text(f"sorry, wrong order, it's {second}")
    assert second in reply and "why" in reply.lower()
    summary = chat.text("ordered it by mistake")
    assert second in summary and first not in summary
    assert "is cancelled" in chat.text("yes")
    assert backend_order(tau_shop, second)["status"] == "cancelled"
    assert backend_order(tau_shop, first)["status"] == "pending"


def test_asking_to_change_items_of_a_delivered_order_leads_to_an_exchange(
    tau_shop: TauShop,
) -> None:
    order, user, alt = _delivered_with_option(tau_shop, start=40)
    chat = tau_shop.chat()
    chat.text(f"I want a different option for an item in order {order['order_id']}")
    reply = chat.text(user["email"])
    assert "set up the exchange" in reply
    after_item_question(
        reply,
        len(returnable_lines(tau_shop, order["order_id"])) > 1,
        lambda: chat.text(alt["line"]["product_name"]),
    )
    chat.text("it doesn't suit me")
    _finish_exchange(tau_shop, chat, order, user, alt)


def test_a_tau_return_can_be_refunded_to_the_shoppers_existing_gift_card(
    tau_shop: TauShop,
) -> None:
    case = next(
        (
            (order, user)
            for order, user in tau_orders("delivered")[60:]
            if sum(m["source"] == "gift_card" for m in user["payment_methods"].values()) == 1
            and len({i["name"] for i in order["items"]}) == len(order["items"])
            and not backend_order(tau_shop, order["order_id"])["returns"]
        ),
        None,
    )
    if case is None:
        pytest.fail("the seed lacks it: no delivered τ order of a shopper with one gift card")
    order, user = case
    card = next(k for k, m in user["payment_methods"].items() if m["source"] == "gift_card")
    chat = tau_shop.chat()
    chat.text(f"I'd like to return an item from {order['order_id']}")
    after_item_question(
        chat.text(user["email"]),
        len(returnable_lines(tau_shop, order["order_id"])) > 1,
        lambda: chat.text(order["items"][0]["name"]),
    )
    assert "Refund to my gift card" in " ".join(
        b["title"] for m in chat.say("not what I expected") for b in m.get("buttons", [])
    )
    assert "to your gift card" in chat.text("to my gift card")
    chat.text("yes")
    after = backend_order(tau_shop, order["order_id"])
    assert after["status"] == "return_requested"
    assert [r["resolution"] for r in after["returns"]] == ["store_credit"]
    methods = backend_get(tau_shop, f"customers/{after['customer_id']}/payment-methods")
    cards = [m["payment_method_id"] for m in methods["payment_methods"] if m["type"] == "gift_card"]
    assert cards == [card]  # credited to the card they had; none opened
