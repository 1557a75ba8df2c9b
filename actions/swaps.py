"""New options for items the shopper keeps or sends back, and how the difference is paid.

Shared by the item-change flow (``modifications``) and exchanges (``returns``): reading "which
option instead?", matching it against the live catalogue, and reading the payment method that
settles the price difference. Flows import it; it imports no flow.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import BACKED_OUT, is_backing_out
from actions.options import (
    SAME_AGAIN,
    Swap,
    covers,
    decode_swaps,
    encode_swaps,
    match_swaps,
    method_buttons,
    option_buttons,
    pick_method,
    same_again,
    total_difference,
)
from actions.services.commerce import (
    CommerceError,
    Order,
    OrderLine,
    PaymentMethod,
    Product,
    client_from_env,
)
from actions.support import RunContext, money, tenant_of
from actions.verification import UNAVAILABLE


async def products_of(
    lines: tuple[OrderLine, ...] | list[OrderLine], tenant: str | None = None
) -> dict[str, Product]:
    """The products of these lines with all their variants (one GET per product)."""
    client = client_from_env(tenant)
    products: dict[str, Product] = {}
    for line in lines:
        if line.product_id not in products:
            products[line.product_id] = await client.get_product(line.product_id)
    return products


async def read_item_changes(
    text: str,
    order: Order,
    lines: list[OrderLine],
    dispatcher: CollectingDispatcher,
    *,
    every_line: bool,
    tenant: str | None = None,
) -> dict[str, Any]:
    """Slot updates for the shopper's answer to "which option instead?".

    ``every_line`` (an exchange) needs a new option for each of ``lines``, and may be for the
    same option again ("the same one": a new item for a faulty one). When the change
    costs nothing, the original payment method is filled in, so nobody is asked how to pay
    nothing.
    """
    try:
        products = await products_of(lines, tenant)
    except CommerceError:
        return {"item_changes": None, "lookup_blocked": UNAVAILABLE}
    matched = match_swaps(text, lines, products)
    if every_line and not matched.swaps and not matched.unavailable and SAME_AGAIN.search(text):
        matched = same_again(lines, products)
    buttons = option_buttons(lines, products, order.currency, same=every_line)
    if matched.out_of_stock or matched.unavailable:
        response = "utter_option_out_of_stock" if matched.out_of_stock else "utter_option_unknown"
        dispatcher.utter_message(
            response=response,
            options="; ".join(matched.out_of_stock or matched.unavailable),
            buttons=buttons,
        )
        return {"item_changes": None}
    if not matched.swaps:
        dispatcher.utter_message(response="utter_option_not_understood", buttons=buttons)
        return {"item_changes": None}
    missing = {line.line_id for line in lines} - {s.line.line_id for s in matched.swaps}
    if every_line and missing:
        names = ", ".join(line.product_name for line in lines if line.line_id in missing)
        dispatcher.utter_message(response="utter_option_needed_for", items=names)
        return {"item_changes": None}
    difference = total_difference(matched.swaps)
    updates: dict[str, Any] = {
        "item_changes": encode_swaps(matched.swaps),
        "price_difference": difference,
    }
    if abs(difference) < 0.005 and order.paid_with:
        updates["payment_method"] = order.paid_with[0]
    return updates


async def chosen_swaps(order: Order, value: str | None, tenant: str | None = None) -> list[Swap]:
    """The swaps a slot value names, against the live order and catalogue."""
    picked = decode_swaps(value)
    lines = [line for line in order.lines if line.line_id in picked]
    products = await products_of(lines, tenant)
    return [
        Swap(line, variant)
        for line in lines
        for variant in products[line.product_id].variants
        if variant.sku == picked[line.line_id]
    ]


async def read_payment_method(
    text: str,
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    *,
    amount: float,
    exclude: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Slot updates for the shopper's pick of a payment method that must pay ``amount``."""
    if is_backing_out(text):
        return {"payment_method": None, "change_blocked": BACKED_OUT}
    context = RunContext.of(tracker)
    currency = context.policy.currency
    try:
        methods = await context.client.payment_methods(tracker.get_slot("customer_id") or "")
    except CommerceError:
        return {"payment_method": None, "lookup_blocked": UNAVAILABLE}
    method = pick_method(text, [m for m in methods if m.payment_method_id not in exclude])
    if method is None:
        dispatcher.utter_message(
            response="utter_payment_method_not_understood",
            buttons=method_buttons(methods, currency, exclude),
        )
        return {"payment_method": None}
    if amount > 0 and not covers(method, amount):
        dispatcher.utter_message(
            response="utter_gift_card_too_small",
            method=method.label,
            balance=money(method.balance or 0.0, currency),
            amount=money(amount, currency),
            buttons=method_buttons(methods, currency, (*exclude, method.payment_method_id)),
        )
        return {"payment_method": None}
    return {"payment_method": method.payment_method_id}


def method_label(methods: list[PaymentMethod], method_id: str | None) -> str:
    """How the shopper knows a method ("Visa ending 4242"), never its raw id if avoidable."""
    return next((m.label for m in methods if m.payment_method_id == method_id), "your card")


def lines_to_change(order: Order, tracker: Tracker) -> list[OrderLine]:
    """The lines whose options may change: the whole order, or the items being exchanged."""
    if tracker.active_loop_name != "return_form":
        return list(order.lines)
    wanted = {int(i) for i in (tracker.get_slot("return_items") or "").split(",") if i}
    return [line for line in order.lines if line.line_id in wanted]


class OptionChangeValidation:
    """Validators of the new options and of the method settling the price difference.

    Mixed into the item-change form and the return form (for exchanges); an exchange needs
    a new option for every item it sends back.
    """

    every_line = False

    async def validate_item_changes(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"item_changes": None, "change_blocked": BACKED_OUT}
        try:
            order = await RunContext.of(tracker).client.get_order(
                tracker.get_slot("order_id") or ""
            )
        except CommerceError:
            return {"item_changes": None, "lookup_blocked": UNAVAILABLE}
        lines = lines_to_change(order, tracker)
        return await read_item_changes(
            text, order, lines, dispatcher, every_line=self.every_line, tenant=tenant_of(tracker)
        )

    async def validate_payment_method(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        amount = float(tracker.get_slot("price_difference") or 0.0)
        return await read_payment_method(str(slot_value or ""), tracker, dispatcher, amount=amount)


def money_words(difference: float, method: str, currency: str) -> str:
    """What happens to the price difference, in one sentence."""
    if difference > 0:
        return f"The difference of {money(difference, currency)} is charged to {method}."
    if difference < 0:
        return f"The difference of {money(-difference, currency)} goes back to {method}."
    return "The price stays the same."
