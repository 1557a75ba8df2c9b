"""The τ-bench-style tasks: what each shopper wants, and the end state that means it was done.

Tasks are drawn (seeded) from the τ-bench store data: cancel a pending order with a reason,
modify a pending order's address, payment method or items, return a delivered item to the
original payment method or a gift card, exchange a delivered item for another option, and
ask for an order's status or a product's options and stock, or cancel an order and ask about
a product in the same message. Each task carries the answers
its shopper gives and a check of the backend's state afterwards (for a question, of the
figures in the reply), as the τ-bench rules define it. A new kind of task changes
this module; how tasks are played and reported (`benchmarks.tau_tasks`) does not.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from benchmarks.tau_backend import (
    Backend,
    Task,
    alternative,
    alternatives,
    held_payments,
    method_words,
    paying_method,
)
from benchmarks.tau_questions import product_question_task, status_task
from stack.settings import ROOT

TAU_DATA = ROOT.parent / "shared" / "data" / "tau_bench_retail"
KINDS = (
    "cancel_pending",
    "modify_address",
    "modify_profile_address",
    "modify_payment",
    "modify_items",
    "return_delivered",
    "return_to_gift_card",
    "exchange_delivered",
    "exchange_same",
    "order_status",
    "product_question",
    "two_requests",
)
# Kinds about one order: half their shoppers name it in the opening.
ORDER_KINDS = frozenset(KINDS) - {
    "order_status",
    "product_question",
    "modify_profile_address",
    "two_requests",  # names its order in the opening already
}
NEW_ADDRESSES = (
    "742 Evergreen Terrace, Springfield, OR 97477",
    "1600 Pennsylvania Ave NW, Washington, DC 20500",
    "350 Fifth Avenue, Apt 21, New York, NY 10118",
    "4059 Mt Lee Dr, Los Angeles, CA 90068",
    "233 S Wacker Dr, Suite 1000, Chicago, IL 60606",
)
# How shoppers open each kind of task, tidy and not (one per task, in turn).
OPENINGS = {
    "cancel_pending": (
        "I need to cancel one of my orders.",
        "pls cancel my order",
        "I don't want my order anymore, can you cancel it?",
    ),
    "modify_profile_address": (
        "I moved. Can you update the default address on my account?",
        "pls change the address on my profile",
        "My address on file is out of date, I'd like to update it.",
    ),
    "modify_address": (
        "Hi, I need to change the shipping address of my order.",
        "wrong adress on my order, can u fix it",
        "Can you send my order to a different address?",
    ),
    "modify_payment": (
        "Can I change the payment method of my order?",
        "i want to pay with another card for my order",
        "switch the payment on my order please",
    ),
    "modify_items": (
        "I'd like to modify the items in my pending order.",
        "can i change the size or colour of stuff in my order before it ships",
        "I picked the wrong option on my order, can you change it?",
    ),
    "return_delivered": (
        "I want to return something I received.",
        "need to send an item back",
        "how do I return an item from my order",
    ),
    "return_to_gift_card": (
        "I want to return an item and get the money on my gift card.",
        "return please",
        "I'd like to send back something I bought",
    ),
    "exchange_same": (
        "The item I got is faulty, I'd like to exchange it for the same one.",
        "can i swap something i received for an identical new one",
        "I want to exchange an item for a replacement of the same kind",
    ),
    "exchange_delivered": (
        "I'd like to exchange an item I received for a different option.",
        "can i swap something i got for another colour",
        "exchange an item pls",
    ),
}


def build_tasks(backend: Backend, per_kind: int, seed: int) -> list[Task]:
    """``per_kind`` tasks of every kind, each on its own order (and shopper where possible)."""
    users = json.loads((TAU_DATA / "users.json").read_text())
    orders = json.loads((TAU_DATA / "orders.json").read_text())
    rng = random.Random(seed)
    order_ids = sorted(orders)
    rng.shuffle(order_ids)
    used_users: set[str] = set()
    tasks: list[Task] = []
    builders: dict[str, Callable[[dict[str, Any], dict[str, Any], int], Task | None]] = {
        "cancel_pending": lambda u, o, i: _cancel(u, o, i),
        "modify_address": lambda u, o, i: _address(u, o, i),
        "modify_profile_address": lambda u, o, i: _profile_address(backend, u, o, i),
        "modify_payment": lambda u, o, i: _payment(backend, u, o, i),
        "modify_items": lambda u, o, i: _items(backend, u, o, i),
        "return_delivered": lambda u, o, i: _return(u, o, i),
        "return_to_gift_card": lambda u, o, i: _return_to_gift_card(backend, u, o),
        "exchange_delivered": lambda u, o, i: _exchange(backend, u, o, i),
        "exchange_same": lambda u, o, i: _exchange_same(backend, u, o, i),
        "order_status": lambda u, o, i: status_task(u, o, i),
        "product_question": lambda u, o, i: product_question_task(backend, u, o, i),
        "two_requests": lambda u, o, i: _two_requests(backend, u, o, i),
    }
    wanted_status = {
        "cancel_pending": "pending",
        "modify_address": "pending",
        "modify_profile_address": None,
        "modify_payment": "pending",
        "modify_items": "pending",
        "return_delivered": "delivered",
        "return_to_gift_card": "delivered",
        "exchange_delivered": "delivered",
        "exchange_same": "delivered",
        "order_status": None,
        "product_question": None,
        "two_requests": "pending",
    }
    for kind in KINDS:
        made = 0
        for order_id in order_ids:
            if made >= per_kind:
                break
            raw = orders[order_id]
            if raw["user_id"] in used_users:
                continue
            live = backend.order(order_id)
            status = wanted_status[kind]
            if status is not None and live["status"] != status:
                continue
            if kind.startswith("return") and live["returns"]:
                continue
            task = builders[kind](users[raw["user_id"]], live, made)
            if task is None:
                continue
            task.by_email = made % 2 == 0
            if kind in OPENINGS:
                task.opening = OPENINGS[kind][made % len(OPENINGS[kind])]
            if kind in ORDER_KINDS and made % 2 == 1:
                # Some shoppers name the order at once; it is still verified first.
                task.opening = f"{task.opening} It's order {task.order_id}."
            used_users.add(raw["user_id"])
            tasks.append(task)
            made += 1
    return tasks


def _cancel(user: dict[str, Any], order: dict[str, Any], index: int) -> Task:
    reason = ("no longer needed", "ordered by mistake")[index % 2]

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        if after["status"] != "cancelled":
            problems.append(f"status {after['status']}, expected cancelled")
        if held_payments(after):
            problems.append("money still held after the cancellation")
        return problems

    return Task(
        "cancel_pending",
        user,
        order["order_id"],
        "I need to cancel one of my orders.",
        {"reason": reason},
        check,
    )


def _address(user: dict[str, Any], order: dict[str, Any], index: int) -> Task:
    address = NEW_ADDRESSES[index % len(NEW_ADDRESSES)]
    line1, *_, region_zip = (part.strip() for part in address.split(","))
    postcode = region_zip.split()[-1]

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        got = after["shipping_address"]
        problems = []
        if (got["line1"], got["postcode"]) != (line1, postcode):
            problems.append(f"address {got['line1']}, {got['postcode']}; expected {address}")
        if after["status"] != "pending":
            problems.append(f"status {after['status']}, expected pending")
        return problems

    return Task(
        "modify_address",
        user,
        order["order_id"],
        "Hi, I need to change the shipping address of my order.",
        {"address": address},
        check,
    )


def _profile_address(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], index: int
) -> Task:
    """The account's default address changes; the order (and every other) keeps its own."""
    address = NEW_ADDRESSES[(index + 2) % len(NEW_ADDRESSES)]
    *_, region_zip = (part.strip() for part in address.split(","))
    postcode = region_zip.split()[-1]
    customer_path = f"customers/{order['customer_id']}"

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        if backend.get(customer_path)["postcode"] != postcode:
            problems.append(f"the account's postcode is not {postcode}")
        if after != before:
            problems.append("the order changed with the account's address")
        return problems

    return Task("modify_profile_address", user, order["order_id"], "", {"address": address}, check)


def _payment(backend: Backend, user: dict[str, Any], order: dict[str, Any], _i: int) -> Task | None:
    methods = backend.methods(order["customer_id"])
    holding = {p["method"]["payment_method_id"] for p in held_payments(order)}
    total = float(order["total"])
    others = [m for m in methods if m["payment_method_id"] not in holding]
    new = paying_method(others, total, None)
    if new is None:
        return None

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        paying = held_payments(after)
        ids = {p["method"]["payment_method_id"] for p in paying}
        problems = []
        if ids != {new["payment_method_id"]}:
            problems.append(f"paid with {sorted(ids)}, expected {new['payment_method_id']}")
        if abs(sum(float(p["amount"]) for p in paying) - float(after["total"])) > 0.005:
            problems.append("the new method does not hold the order's total")
        return problems

    return Task(
        "modify_payment",
        user,
        order["order_id"],
        "Can I change the payment method of my order?",
        {"method": method_words(methods, new)},
        check,
    )


def _items(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], index: int
) -> Task | None:
    """Every other task changes two items at once (τ-bench: all item changes together)."""
    if order["items_modified"]:
        return None
    alts = alternatives(backend, order, 1 + index % 2)
    if len(alts) != 1 + index % 2:
        return None
    difference = round(sum(a["difference"] for a in alts), 2)
    methods = backend.methods(order["customer_id"])
    original = order["payments"][0]["method"]["payment_method_id"] if order["payments"] else None
    payer = paying_method(methods, max(difference, 0.0), original)
    if payer is None:
        return None

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        for alt in alts:
            line = next(li for li in after["lines"] if li["line_id"] == alt["line"]["line_id"])
            if line["sku"] != alt["variant"]["sku"]:
                problems.append(f"line is {line['sku']}, expected {alt['variant']['sku']}")
        if not after["items_modified"] or after["status"] != "pending":
            problems.append("order not marked 'pending (item modified)'")
        if abs(float(after["total"]) - float(before["total"]) - difference) > 0.005:
            problems.append("total did not change by the price difference")
        return problems

    return Task(
        "modify_items",
        user,
        order["order_id"],
        "I'd like to modify the items in my pending order.",
        {
            "options": " and ".join(a["words"] for a in alts),
            "method": method_words(methods, payer),
        },
        check,
    )


def _return(user: dict[str, Any], order: dict[str, Any], _i: int) -> Task:
    line = order["lines"][0]
    others = [li for li in order["lines"] if li["product_name"] == line["product_name"]]
    item_words = line["product_name"] if len(others) == 1 else str(line["line_id"])

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        if after["status"] != "return_requested":
            problems.append(f"status {after['status']}, expected return_requested")
        got = [(r["resolution"], r["line_ids"]) for r in after["returns"]]
        if got != [("refund", [line["line_id"]])]:
            problems.append(f"returns {got}, expected one refund of line {line['line_id']}")
        return problems

    return Task(
        "return_delivered",
        user,
        order["order_id"],
        "I want to return something I received.",
        {"item": item_words, "resolution": "refund to my original payment method"},
        check,
    )


def _return_to_gift_card(
    backend: Backend, user: dict[str, Any], order: dict[str, Any]
) -> Task | None:
    """τ-bench: a refund may go to the shopper's existing gift card instead."""
    cards = [m for m in backend.methods(order["customer_id"]) if m["type"] == "gift_card"]
    if len(cards) != 1:
        return None
    task = _return(user, order, 0)
    line_id = order["lines"][0]["line_id"]

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        if after["status"] != "return_requested":
            problems.append(f"status {after['status']}, expected return_requested")
        got = [(r["resolution"], r["line_ids"]) for r in after["returns"]]
        if got != [("store_credit", [line_id])]:
            problems.append(
                f"returns {got}, expected one refund of line {line_id} to the gift card"
            )
        now = [m for m in backend.methods(after["customer_id"]) if m["type"] == "gift_card"]
        if [m["payment_method_id"] for m in now] != [cards[0]["payment_method_id"]]:
            problems.append("a new gift card was opened")
        return problems

    task.kind = "return_to_gift_card"
    task.answers["resolution"] = "refund it to my gift card please"
    task.check = check
    return task


def _exchange(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], _i: int
) -> Task | None:
    if order["returns"]:
        return None
    alt = alternative(backend, order)
    if alt is None:
        return None
    methods = backend.methods(order["customer_id"])
    original = order["payments"][0]["method"]["payment_method_id"] if order["payments"] else None
    payer = paying_method(methods, max(alt["difference"], 0.0), original)
    if payer is None:
        return None

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        problems = []
        if after["status"] != "exchange_requested":
            problems.append(f"status {after['status']}, expected exchange_requested")
        got = [(r["resolution"], r["line_ids"]) for r in after["returns"]]
        if got != [("exchange", [alt["line"]["line_id"]])]:
            problems.append(
                f"returns {got}, expected one exchange of line {alt['line']['line_id']}"
            )
        return problems

    return Task(
        "exchange_delivered",
        user,
        order["order_id"],
        "I'd like to exchange an item I received for a different option.",
        {
            "item": alt["line"]["product_name"],
            "resolution": "exchange",
            "options": alt["words"],
            "method": method_words(methods, payer),
        },
        check,
    )


def _exchange_same(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], _i: int
) -> Task | None:
    """A faulty item exchanged for a new one of the same option (τ-bench allows it)."""
    names = [line["product_name"] for line in order["lines"]]
    for line in order["lines"]:
        if names.count(line["product_name"]) > 1:
            continue
        product = backend.get(f"products/{line['product_id']}")
        if any(v["sku"] == line["sku"] and v["stock"] > 0 for v in product["variants"]):
            break
    else:
        return None

    def check(before: dict[str, Any], after: dict[str, Any], _reply: str) -> list[str]:
        got = [(r["resolution"], r["exchanges"]) for r in after["returns"]]
        wanted = [("exchange", [{"line_id": line["line_id"], "new_sku": line["sku"]}])]
        return [] if got == wanted else [f"returns {got}, expected {wanted}"]

    answers = {
        "item": line["product_name"],
        "resolution": "exchange",
        "options": "the same one again please",
    }
    return Task("exchange_same", user, order["order_id"], "", answers, check)


def _two_requests(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], index: int
) -> Task | None:
    """Two requests in one message: cancel the order, and then, in turn, either a question
    about one of its products or a new delivery address for another pending order.

    Both must be done: the order cancelled as ``cancel_pending`` checks it, and the figures of
    ``product_question`` in the replies or the other order's address as ``modify_address``.
    """
    cancel = _cancel(user, order, index)
    others = [o for o in user["orders"] if o != order["order_id"]]
    pending = None
    if index % 2 == 1:  # the other orders are read only for the address variant
        pending = next((o for o in others if backend.order(o)["status"] == "pending"), None)
    if pending is not None:
        moved = _address(user, backend.order(pending), index)
        opening = (
            f"I need to cancel my order {order['order_id']}, and also change the shipping "
            f"address of my order {pending}"
        )

        def check_both(before: dict[str, Any], after: dict[str, Any], reply: str) -> list[str]:
            now = backend.order(pending)
            return [*cancel.check(before, after, reply), *moved.check(now, now, reply)]

        answers = {**cancel.answers, **moved.answers}
        task = Task("two_requests", user, order["order_id"], opening, answers, check_both)
        task.touches = (pending,)
        return task
    question = product_question_task(backend, user, order, index)
    if question is None:
        return None
    asked = question.opening.removeprefix("hi, ")

    def check(before: dict[str, Any], after: dict[str, Any], reply: str) -> list[str]:
        return [*cancel.check(before, after, reply), *question.check(before, after, reply)]

    return Task(
        "two_requests",
        user,
        order["order_id"],
        f"I need to cancel my order {order['order_id']}, and also {asked[0].lower()}{asked[1:]}",
        {**cancel.answers, **question.answers},
        check,
    )
