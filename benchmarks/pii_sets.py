"""The PII benchmark's data: generated shopper messages and Presidio's synthetic set.

The chat set is generated from templates with Faker values and the look-alikes that must
stay (order ids, tracking numbers, SKUs, prices); the synthetic set is read from
`../shared/data` and split in two halves by a hash of the text (tune and report); each
synthetic address is given the country it belongs to, for per-country recall. Scoring and
the report are in `benchmarks.pii`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

from stack.settings import ROOT

KEEP = "KEEP"  # label of values that must never be redacted
SYNTH = ROOT.parent / "shared" / "data" / "presidio_synth_pii_v2.jsonl"
# The types the scrubber removes (guardrails/pii.yml): these make the headline figures.


@dataclass
class Example:
    """A text and its labelled spans (entity type, start, end)."""

    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)


# --- the chat set --------------------------------------------------------------------------

# {slot} is filled with a value of that kind; the templates are written like real shoppers
# write: short, long, lower case, typos, no punctuation.
TEMPLATES = [
    "hi my name is {name} and i still havent got order {order_id}",
    "{name} here, where is {order_id}??",
    "This is {name}. The tracking number {tracking} hasn't moved in 5 days",
    "pls send it to {address} instead",
    "new address: {address}",
    "Can you ship order {order_id} to {address}? thanks, {name}",
    "i moved!! its {address} now",
    "my email is {email}",
    "{email}",
    "email on the order is {email} i think",
    "try {email} or maybe {email2}",
    "call me on {phone} pls",
    "my number is {phone}, text me when it ships",
    "you can reach me at {phone} or {email}",
    "phone: {phone}",
    "I was charged twice on my card {card} for {price}",
    "refund to card {card} please",
    "the card ending... actually full number is {card}",
    "can u refund to my bank instead? IBAN {iban}",
    "iban is {iban}, account name {name}",
    "Bank details: {iban} ({name})",
    "Hello, I am writing about order {order_id}. I paid {price} and item {sku} never came. "
    "Please contact me at {email} or {phone}. Regards, {name}",
    "parcel {tracking} says delivered but nothing at {address}",
    "it's for my wife {name}, she's at {address}",
    "Order was placed by {name}",
    "put it under the name {name}",
    "Thanks {name}",
    "ok thx. {name}",
    "hey its {name} again, still waiting on {tracking}",
    "wrong size on {sku}, paid {price}, can i swap",
    "where is my stuff {order_id}",
    "i'd like to return {sku} from {order_id}",
    "tracking {tracking} stuck",
    "{name}, {address}, {phone}",
    "deliver to {name}, {address}",
    "my husband {name} ordered it with {email}",
    "plz cancel {order_id} asap, this is {name}",
    "card no {card} exp 09/27",
    "Sent from my iPhone. {name} | {phone}",
    "yes thats right, {address}",
    # no personal value at all: what must come through untouched
    "this is ridiculous, 3 weeks and still nothing",
    "I'm still waiting on {order_id}",
    "its arriving tomorrow apparently",
    "Nothing here yet, tracking {tracking} says out for delivery",
    "thanks so much!! you guys are great",
    "quick question, can I return {sku} if I opened it?",
    "2 days in a row the driver didn't come",
    "Hi there, I ordered 3 items on the 5th and only got 2",
    "my card was charged {price} twice",
    "I'm not happy with this at all",
]


def _grouped(digits: str, rng: random.Random) -> str:
    """A number as shoppers type it: plain, or in fours split by spaces or dashes."""
    style = rng.choice(["plain", "space", "dash"])
    if style == "plain":
        return digits
    sep = " " if style == "space" else "-"
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


class ChatValues:
    """Fake values per slot kind, from several locales (the shop ships to Europe too)."""

    NAME_LOCALES = ("en_US", "en_GB", "es_MX", "de_DE", "fr_FR", "it_IT", "en_IN", "nl_NL")
    PHONE_LOCALES = ("en_US", "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
    IBAN_LOCALES = ("de_DE", "fr_FR", "en_GB", "nl_NL", "es_ES", "it_IT")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        # Sorted: a set's order of strings changes with every process (hash randomisation),
        # and each locale's seed must not.
        for index, locale in enumerate(
            sorted({*self.NAME_LOCALES, *self.PHONE_LOCALES, *self.IBAN_LOCALES})
        ):
            faker = Faker(locale)
            faker.seed_instance(seed + index)
            self.fakers[locale] = faker
        self.us = self.fakers["en_US"]

    def _case(self, text: str) -> str:
        return text.lower() if self.rng.random() < 0.35 else text

    def value(self, slot: str) -> tuple[str, str]:
        """(label, text) for one slot."""
        rng, us = self.rng, self.us
        kinds: dict[str, Callable[[], tuple[str, str]]] = {
            "name": lambda: (
                "PERSON",
                self._case(self.fakers[rng.choice(self.NAME_LOCALES)].name()),
            ),
            "email": lambda: ("EMAIL_ADDRESS", self._case(us.email())),
            "email2": lambda: ("EMAIL_ADDRESS", us.free_email()),
            "phone": lambda: ("PHONE_NUMBER", self._phone()),
            "card": lambda: ("CREDIT_CARD", _grouped(us.credit_card_number(), rng)),
            "iban": lambda: ("IBAN_CODE", self._iban()),
            "address": lambda: ("STREET_ADDRESS", self._case(self._address())),
            "order_id": lambda: (KEEP, rng.choice([f"AC-{rng.randint(100000, 999999)}",
                                                   f"#W{rng.randint(1000000, 9999999)}"])),
            "tracking": lambda: (KEEP, self._tracking()),
            "sku": lambda: (KEEP, f"P-{rng.randint(1000, 1999)}-{rng.choice(['BLK', 'RED', 'NVY'])}"
                                  f"-{rng.choice(['S', 'M', 'L', 'XL'])}"),
            "price": lambda: (KEEP, rng.choice([f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
                                                f"{rng.randint(5, 400)} dollars"])),
        }  # fmt: skip
        return kinds[slot]()

    def _phone(self) -> str:
        locale = self.rng.choice(self.PHONE_LOCALES)
        number = self.fakers[locale].phone_number()
        return number.split("x")[0].strip()  # extensions ("x123") are not typed in chat

    def _iban(self) -> str:
        iban = self.fakers[self.rng.choice(self.IBAN_LOCALES)].iban()
        if self.rng.random() < 0.5:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def _address(self) -> str:
        us = self.us
        street = us.street_address()
        form = self.rng.random()
        if form < 0.4:
            return street
        if form < 0.8:
            return f"{street}, {us.city()}, {us.state_abbr()} {us.zipcode()}"
        return f"{street} {us.city()} {us.state_abbr()} {us.zipcode()}"

    def _tracking(self) -> str:
        rng = self.rng
        return rng.choice(
            [
                "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16)),
                "9400" + "".join(rng.choice("0123456789") for _ in range(18)),
                rng.choice("27") + "".join(rng.choice("0123456789") for _ in range(11)),
            ]
        )


def chat_set(size: int, seed: int) -> list[Example]:
    """``size`` labelled shopper messages from the templates, reproducible from ``seed``."""
    values = ChatValues(seed)
    examples = []
    for index in range(size):
        template = TEMPLATES[index % len(TEMPLATES)]
        text, spans = "", []
        for literal, slot, _, _ in string.Formatter().parse(template):
            text += literal
            if slot:
                label, value = values.value(slot)
                spans.append((label, len(text), len(text) + len(value)))
                text += value
        examples.append(Example(text, spans))
    return examples


def synth_set(path: Path = SYNTH) -> list[Example]:
    """Presidio's synthetic sentences with their labelled spans."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        spans = [(s["entity_type"], s["start"], s["end"]) for s in row["spans"]]
        examples.append(Example(row["text"], spans))
    return examples


def synth_split(text: str) -> str:
    """``tune`` or ``report``, fixed by the text alone: SHA-256 of the UTF-8 text, even or odd.

    Recognizers are tuned on the tune half only; the report half gives the published figures.
    Identical sentences always fall in the same half.
    """
    return "report" if int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 2 else "tune"


# Countries named in an address (or in a place the sentence labels), lower case -> country.
COUNTRY_NAMES = {
    "australia": "Australia", "austria": "Austria", "belgium": "Belgium", "brazil": "Brazil",
    "canada": "Canada", "cyprus": "Cyprus", "czech republic": "Czech Republic",
    "denmark": "Denmark", "estonia": "Estonia", "finland": "Finland", "france": "France",
    "germany": "Germany", "greenland": "Greenland", "greenlander": "Greenland",
    "hungary": "Hungary", "iceland": "Iceland", "italy": "Italy", "netherlands": "Netherlands",
    "new zealand": "New Zealand", "norway": "Norway", "poland": "Poland",
    "portugal": "Portugal", "slovenia": "Slovenia", "south africa": "South Africa",
    "spain": "Spain", "sweden": "Sweden", "switzerland": "Switzerland", "tunisia": "Tunisia",
    "united kingdom": "United Kingdom", "united states": "United States",
    "uruguay": "Uruguay", "upper austria": "Austria",
}  # fmt: skip
COUNTRY_NAME = re.compile(
    r"(?i)\b(" + "|".join(sorted(map(re.escape, COUNTRY_NAMES), key=len, reverse=True)) + r")\b"
)
MILITARY = re.compile(r"(?i)\b(?:psc \d|unit \d+,? box|us(?:s|ns|nv|cgc) \w|[afd]po a[aep]\b)")
# Without a country name, the street's shape says where it is: script, street words and
# their endings, as each country writes them. The first matching line wins.
STREET_SHAPES = [
    (r"[\u0370-\u03ff]", "Cyprus"),
    (r"(?i)\b(?:ul\.|ulica|aleja)\s|\w+(?:owa|owskiego|ska)\b", "Poland"),
    (r"(?i)\b(?:u\.|utca|út|útja|tér|köz|rkp\.)(?:\s|$)|\d+\.(?:\s|$)", "Hungary"),
    (r"(?i)\w+(?:katu|tie|kuja|kaari|polku|rinne|tori)\b", "Finland"),
    (r"(?i)\w+(?:vej|vænget|gade|stræde|allé|krogen|centret)\b", "Denmark"),
    (r"(?i)\w+(?:gatan|vägen|väg|gränd|gärde|mekanikusv)\b", "Sweden"),
    (r"(?i)\w*(?:veien|vegen|stien|gata|gate|lia|bakken|terrasse|tun)\b", "Norway"),
    (r"(?i)[þðæ]|\w+(?:stræti|straeti|braut|vegur|gata|skálinn)\b", "Iceland"),
    (r"(?i)\w*(?:straat|laan|hove|weg|wei|baan|plein|gracht)\b", "Netherlands"),
    (r"(?i)\w*(?:strasse|straße|gasse|graben|park|hölzi|weg|markt)\b|\bstr\.", "Germany"),
    (r"(?i)\b(?:via|viale|vicolo|piazza|piazzetta|corso|strada)\b", "Italy"),
    (r"(?i)\b(?:rua|travessa|avenida|r\.?)\s", "Brazil"),
    (r"(?i)\b(?:calle|c/|avda\.|paseo|rúa|plaza)\s", "Spain"),
    (r"(?i)\b(?:rue|avenue|boulevard|av)\b", "France"),
    (r"(?i)\b(?:tn|mnt|põik|tee)\b|\w+(?:küla|mäe)\b|õ|ä", "Estonia"),
    (r"(?i)[ěřůčš]|\w+(?:ova|ská|ého)\b", "Czech Republic"),
    (r"(?i)\b(?:cesta|trg)\b|\w+(?:čeva|ova|ska)\b", "Slovenia"),
    (r"(?i)\b(?:street|st|road|rd|avenue|drive|dr|lane|way|close|court|place|terrace|crescent)\b",
     "English-speaking"),
]  # fmt: skip
STREET_SHAPE_PATTERNS = [(re.compile(p), country) for p, country in STREET_SHAPES]
UNIDENTIFIED = "unidentified"


def address_country(example: Example) -> str | None:
    """The country of a row's street address: named, a US military address, or by shape.

    None when the row has no street address.
    """
    addresses = [example.text[s:e] for t, s, e in example.spans if t == "STREET_ADDRESS"]
    if not addresses:
        return None
    places = [example.text[s:e] for t, s, e in example.spans if t == "GPE"]
    joined = "\n".join(addresses)
    for text in (joined, "\n".join(places)):
        named = COUNTRY_NAME.findall(text)
        if named:
            return COUNTRY_NAMES[named[-1].lower()]
    if MILITARY.search(joined):
        return "US military (APO/FPO/DPO)"
    for pattern, country in STREET_SHAPE_PATTERNS:
        if pattern.search(joined):
            return country
    return UNIDENTIFIED
