"""The sources the adversarial rephraser works on: ``domain.yml``'s templates, filled.

Every response text with a ``{slot}`` is filled with seeded values in the formats the actions
render (order ids ``AC-123456``, UPS/USPS/FedEx tracking numbers, ``12.50 USD`` and
``$12.50``, "Tuesday, March 3", "Mar 3, 14:05", "5 to 7 business days", ...). What changes
here follows the domain and the actions' formats, not the mutations.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
SLOT = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Source:
    """One filled template."""

    response: str
    template: str
    text: str


def templates(domain: Path = DOMAIN) -> list[tuple[str, str]]:
    """(response name, text) for every response text of the domain with a slot in it."""
    raw = yaml.safe_load(domain.read_text(encoding="utf-8"))
    out = []
    for name, variants in sorted(raw.get("responses", {}).items()):
        for variant in variants:
            text = variant.get("text", "")
            if SLOT.search(text):
                out.append((name, text))
    return out


def _day(value: date) -> str:
    return f"{value:%A, %B} {value.day}"


def _ups(rng: random.Random) -> str:
    return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))


def _tracking(carrier: str, rng: random.Random) -> str:
    if carrier == "UPS":
        return _ups(rng)
    if carrier == "USPS":
        return "9400" + "".join(rng.choice("0123456789") for _ in range(18))
    return rng.choice("27") + "".join(rng.choice("0123456789") for _ in range(11))


def _money(rng: random.Random) -> float:
    return rng.randint(500, 25000) / 100


def values(rng: random.Random) -> dict[str, str]:
    """One consistent set of slot values, in the formats the actions render."""
    carrier = rng.choice(["UPS", "USPS", "FedEx"])
    base = date(2026, 1, 1) + timedelta(days=rng.randint(0, 330))
    stamp = datetime(base.year, base.month, base.day, rng.randint(6, 21), rng.randint(0, 59))
    product = rng.choice(["Trail Tee", "Rain Shell", "Wool Socks", "Camp Mug", "Day Pack"])
    option = f"({rng.choice(['red', 'blue', 'grey'])}, {rng.choice(['S', 'M', 'L'])})"
    items = f"{rng.randint(1, 3)} × {product} {option}"
    if rng.random() < 0.5:
        items += f", 1 × {rng.choice(['Camp Mug', 'Bottle', 'Cap'])} (one size)"
    card = rng.choice(["Visa ending 4242", "Mastercard ending 5100", "Amex ending 1005"])
    suggestions = "\n".join(
        f"- {name} (${_money(rng):.2f})"
        for name in rng.sample(["Trail Socks", "Rain Shell", "Bottle", "Cap", "Day Pack"], 3)
    )
    days = rng.choice(["14", "30", "60"])
    rma = f"RMA-{rng.randint(300000, 300999)}"
    return {
        "order_id": f"AC-{rng.randint(100000, 999999)}",
        "support_email": "help@demo-outfitters.example",
        "support_hours": "Monday to Friday, 9am to 6pm Eastern",
        "hours": "Monday to Friday, 9am to 6pm Eastern",
        "status_words": rng.choice(["in transit", "out for delivery", "on its way"]),
        "items": items,
        "amount": f"${_money(rng):.2f}",
        "total": f"${_money(rng):.2f}",
        "balance": f"${_money(rng):.2f}",
        "price": f"${_money(rng):.2f}",
        "refund_amount": f"{_money(rng):.2f} USD",
        "carrier": carrier,
        "tracking_number": _tracking(carrier, rng),
        "refund_method": rng.choice(["card", "store credit", "original payment"]),
        "event_description": rng.choice(
            ["Arrived at facility", "Departed facility", "Out for delivery", "Label created"]
        ),
        "event_location": rng.choice([" (Memphis, TN)", " (Louisville, KY)", ""]),
        "event_time": f"{stamp:%b} {stamp.day}, {stamp:%H:%M}",
        "window_days": days,
        "suggestions": suggestions,
        "rma_id": rma,
        "refund_date": _day(base),
        "placed_date": _day(base - timedelta(days=rng.randint(2, 9))),
        "delivered_date": _day(base + timedelta(days=rng.randint(1, 4))),
        "eta": _day(base + timedelta(days=rng.randint(1, 6))),
        "promised_date": _day(base - timedelta(days=rng.randint(1, 3))),
        "options": "a refund, store credit or an exchange",
        "current": card,
        "new": rng.choice(["PayPal", "Visa ending 1881", "Gift card"]),
        "method": "Gift card",
        "remedies": rng.choice(
            [
                "wait for the new delivery date or talk to one of our team",
                "have a replacement sent at no cost, get a full refund or talk to one of our team",
            ]
        ),
        "refund_timing": "5 to 7 business days",
        "processing_time": rng.choice(["5 to 7 business days", "immediately"]),
        "refund_methods": "to your original payment method or as store credit",
        "new_address": f"{rng.randint(2, 990)} Oak St, Apt {rng.randint(1, 9)}, "
        f"Springfield, IL {rng.randint(60000, 62999)}",
        "money": f"The difference of ${_money(rng):.2f} is charged to {card}.",
        "claim_id": f"CL-{rng.randint(10000, 99999)}",
        "changes": f"{product} {option} instead of the blue one",
        "wait_minutes": str(rng.randint(2, 30)),
        "queue_position": str(rng.randint(1, 9)),
        "return_status": rng.choice(["requested", "in transit", "received"]),
        "resolutions": "a refund, store credit or an exchange",
        "resolution_words": "to your original payment method",
        "product": product,
        "name": product,
        "categories": "Beauty, underwear and swimwear",
        "instructions": (
            f"Print the prepaid return label from the e-mail we have sent you for return {rma} "
            f"and stick it on the parcel. Drop the parcel off at any {carrier} location within "
            f"{days} days."
        ),
    }


def sources(seed: int = 7, fills: int = 3, domain: Path = DOMAIN) -> list[Source]:
    """Each slotted template filled ``fills`` times with seeded values."""
    rng = random.Random(seed)
    out = []
    for name, template in templates(domain):
        for _ in range(fills):
            filled = values(rng)
            text = SLOT.sub(lambda m, v=filled: v.get(m.group(1), "something"), template)  # type: ignore[misc]
            out.append(Source(name, template, text))
    return out
