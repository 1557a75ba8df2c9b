"""Demo customers: names from Faker, real US places, reserved-for-fiction contact details."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from commerce.demo import data
from commerce.keys import email_key, name_key, postcode_key

Row = dict[str, Any]

FIRST_CUSTOMER_NUMBER = 10001
ZIP_PLUS_FOUR_SHARE = 0.12
APARTMENT_SHARE = 0.22


@dataclass
class Customers:
    """Customer and payment-method rows and how often each customer orders.

    Customer rows carry a private `_zone` key (the shipping zone of their address) that is
    dropped before writing; `created_at` is filled in once their first order is known.
    """

    rows: list[Row] = field(default_factory=list)
    order_weights: list[float] = field(default_factory=list)
    payment_methods: list[Row] = field(default_factory=list)
    methods_by_customer: dict[str, list[Row]] = field(default_factory=dict)


def place(rng: random.Random) -> dict[str, str]:
    """A real city with a plausible five-digit ZIP in its range."""
    city, region, zip3, area, zone = rng.choice(data.CITIES)
    zip5 = f"{zip3}{rng.randint(1, 99):02d}"
    return {"city": city, "region": region, "zip5": zip5, "area": area, "zone": zone}


def street(rng: random.Random) -> str:
    number = rng.randint(1, 9899)
    return f"{number} {rng.choice(data.STREET_NAMES)} {rng.choice(data.STREET_SUFFIXES)}"


def unit(rng: random.Random) -> str | None:
    """An apartment or suite for about a fifth of addresses."""
    if rng.random() >= APARTMENT_SHARE:
        return None
    kind = rng.choice(data.SECONDARY_UNITS)
    return f"{kind} {rng.randint(1, 48)}{rng.choice(('', '', 'A', 'B', 'C'))}"


def _email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    first_l = re.sub(r"[^a-z]", "", first.lower()) or "shopper"
    last_l = re.sub(r"[^a-z]", "", last.lower()) or "demo"
    local = rng.choice(
        (
            f"{first_l}.{last_l}",
            f"{first_l}{last_l}",
            f"{first_l[0]}{last_l}",
            f"{first_l}_{last_l}",
            f"{last_l}.{first_l}",
        )
    )
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    domain = rng.choice(data.EMAIL_DOMAINS)
    while email_key(f"{local}@{domain}") in taken:
        local += str(rng.randint(0, 9))
    taken.add(email_key(f"{local}@{domain}"))
    if rng.random() < 0.08:  # some people type their address capitalised at sign-up
        return f"{local.capitalize()}@{domain.capitalize()}"
    return f"{local}@{domain}"


def _payment_methods(
    rng: random.Random, customer: Row, year: int, taken_ids: set[str]
) -> list[Row]:
    """One to three stored methods; everyone has a card or PayPal, some also a gift card."""
    methods: list[Row] = []
    has_card = rng.random() < 0.78
    if has_card:
        brand = rng.choices(list(data.CARD_BRANDS), list(data.CARD_BRANDS.values()))[0]
        methods.append(
            {
                "type": "credit_card",
                "brand": brand,
                "last4": f"{rng.randint(0, 9999):04d}",
                "exp_month": rng.randint(1, 12),
                "exp_year": year + rng.randint(0, 5),
            }
        )
    if rng.random() < 0.35 or not has_card:
        methods.append({"type": "paypal", "paypal_email": customer["email_key"]})
    if rng.random() < 0.15:
        methods.append(
            {
                "type": "gift_card",
                "last4": f"{rng.randint(0, 9999):04d}",
                "gift_card_balance_cents": rng.choice(data.GIFT_CARD_BALANCES_CENTS),
            }
        )
    rows = []
    for index, method in enumerate(methods):
        method_id = f"PM-{rng.randint(100000, 999999)}"
        while method_id in taken_ids:
            method_id = f"PM-{rng.randint(100000, 999999)}"
        taken_ids.add(method_id)
        rows.append(
            {
                "id": method_id,
                "customer_id": customer["id"],
                "type": method["type"],
                "brand": method.get("brand"),
                "last4": method.get("last4"),
                "exp_month": method.get("exp_month"),
                "exp_year": method.get("exp_year"),
                "paypal_email": method.get("paypal_email"),
                "gift_card_balance_cents": method.get("gift_card_balance_cents"),
                "is_default": index == 0,
            }
        )
    return rows


def build_customers(rng: random.Random, fake: Faker, count: int, year: int) -> Customers:
    """`count` customers with addresses, contact details and payment methods."""
    customers = Customers()
    taken_emails: set[str] = set()
    taken_method_ids: set[str] = set()
    number = FIRST_CUSTOMER_NUMBER
    for _ in range(count):
        first, last = fake.first_name(), fake.last_name()
        where = place(rng)
        postcode = where["zip5"]
        if rng.random() < ZIP_PLUS_FOUR_SHARE:
            postcode = f"{postcode}-{rng.randint(1000, 9999)}"
        email = _email(rng, first, last, taken_emails)
        customer: Row = {
            "id": f"C-{number}",
            "first_name": first,
            "last_name": last,
            "name_key": name_key(f"{first} {last}"),
            "email": email,
            "email_key": email_key(email),
            "phone": f"({where['area']}) 555-01{rng.randint(0, 99):02d}",
            "line1": street(rng),
            "line2": unit(rng),
            "city": where["city"],
            "region": where["region"],
            "postcode": postcode,
            "postcode_key": postcode_key(postcode),
            "country": "US",
            "created_at": None,
            "_zone": where["zone"],
        }
        number += rng.randint(1, 3)
        methods = _payment_methods(rng, customer, year, taken_method_ids)
        customers.rows.append(customer)
        customers.order_weights.append(rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 6, 10)))
        customers.payment_methods.extend(methods)
        customers.methods_by_customer[customer["id"]] = methods
    return customers
