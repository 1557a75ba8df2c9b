"""Parcel timelines and tracking numbers, consistent with each order status.

A timeline is planned in full (label, pick-up, facility scans, out for delivery, delivered)
and then cut to what the order's status says has happened by the store's `now`: a parcel in
transit keeps only past scans and has an ETA after today, a delayed one gains a "Delay:"
scan and an ETA later than promised, a lost one stops after an exception scan days ago.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from commerce.demo import data
from commerce.demo.clock import DAY, HOUR, at, hours, minute

SHIPMENT_STATUS_OF_ORDER = {
    "shipped": "shipped",
    "in_transit": "in_transit",
    "delayed": "delayed",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "lost": "lost",
    "return_requested": "delivered",
    "exchange_requested": "delivered",
    "refunded": "delivered",
}
"""Order statuses that have a shipment, and the shipment's own status for each."""

DELIVERED_STATUSES = frozenset({"delivered", "return_requested", "exchange_requested", "refunded"})

# Hours before now that an order of a finished status was placed (min, max).
PLACED_WINDOWS_HOURS = {
    "delivered": (96, 24 * 365),
    "return_requested": (24 * 6, 24 * 30),
    "exchange_requested": (24 * 6, 24 * 30),
    "refunded": (24 * 20, 24 * 365),
    "lost": (24 * 12, 24 * 100),
}
# Hours before now that a parcel still on its way was picked up (min, max).
PICKUP_WINDOWS_HOURS = {
    "shipped": (1, 20),
    "in_transit": (20, 100),
    "delayed": (60, 170),
}
LATE_DELIVERY_SHARE = 0.06


@dataclass
class Event:
    timestamp: dt.datetime
    status: str
    description: str
    location: str | None


@dataclass
class Timeline:
    """A parcel's history as far as it has happened at the store's `now`."""

    placed_at: dt.datetime
    shipped_at: dt.datetime
    promised: dt.date
    estimated: dt.date | None
    delivered_at: dt.datetime | None
    events: list[Event]


@dataclass(frozen=True)
class Destination:
    city: str
    region: str
    zone: str
    apartment: bool

    @property
    def label(self) -> str:
        return f"{self.city}, {self.region}"


def ups_check_digit(body: str) -> int:
    """Check digit over the 15 characters after `1Z`; letters count as digits."""
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10


def mod10_check_digit(body: str) -> int:
    """USPS-style mod-10 check digit: weights 3 and 1 alternating from the right."""
    digits = reversed(body)
    total = sum(int(char) * (3 if index % 2 == 0 else 1) for index, char in enumerate(digits))
    return (10 - total % 10) % 10


class ShippingPlanner:
    """Plans carriers, timelines and tracking numbers for one store build.

    Args:
        rng: The build's random source.
        as_of: The store's today.
        now: The store's clock (on `as_of`).
    """

    def __init__(self, rng: random.Random, as_of: dt.date, now: dt.datetime) -> None:
        self.rng = rng
        self.as_of = as_of
        self.now = now
        self._tracking_numbers: set[str] = set()

    def carrier(self, expedited: bool) -> str:
        if expedited:
            return self.rng.choice(data.EXPEDITED_CARRIERS)
        weights = data.STANDARD_CARRIER_WEIGHTS
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def tracking_number(self, carrier: str, zone: str) -> str:
        """A unique number in the carrier's format: UPS 18 characters starting `1Z`,
        USPS 22 digits, FedEx 12 digits."""
        while True:
            if carrier == "UPS":
                body = f"1Z{data.UPS_SHIPPER_NUMBERS[zone]}03{self.rng.randint(0, 10**7 - 1):07d}"
                number = body + str(ups_check_digit(body[2:]))
            elif carrier == "USPS":
                body = f"9400{self.rng.choice('115')}{self.rng.randint(0, 10**16 - 1):016d}"
                number = body + str(mod10_check_digit(body))
            else:
                number = f"{self.rng.choice('277')}{self.rng.randint(0, 10**11 - 1):011d}"
            if number not in self._tracking_numbers:
                self._tracking_numbers.add(number)
                return number

    def _transit_days(self, carrier: str, expedited: bool, cross_zone: bool) -> int:
        if expedited:
            return self.rng.randint(1, 2)
        low, high = data.STANDARD_TRANSIT_DAYS[carrier]
        return self.rng.randint(low, high) + (1 if cross_zone else 0)

    def _hubs(self, carrier: str, origin_zone: str, dest_zone: str) -> list[str]:
        hubs = data.CARRIER_HUBS[carrier]
        if origin_zone == dest_zone:
            return [self.rng.choice(hubs[dest_zone])]
        first = self.rng.choice(hubs[origin_zone])
        return [first, self.rng.choice([hub for hub in hubs[dest_zone] if hub != first])]

    def _transit_scans(
        self,
        hubs: list[str],
        warehouse: str,
        destination: str,
        pickup: dt.datetime,
        out_for_delivery: dt.datetime,
    ) -> list[Event]:
        """Facility scans between pick-up and out-for-delivery, spread with some jitter."""
        stops = [("Departed facility", warehouse)]
        for hub in hubs:
            stops += [("Arrived at facility", hub), ("Departed facility", hub)]
        stops.append(("Arrived at destination facility", destination))
        step = (out_for_delivery - pickup) / (len(stops) + 1)
        events: list[Event] = []
        previous = pickup
        for index, (description, location) in enumerate(stops, start=1):
            timestamp = minute(pickup + step * index + step * self.rng.uniform(-0.3, 0.3))
            timestamp = max(timestamp, previous + dt.timedelta(minutes=5))
            events.append(Event(timestamp, "in_transit", description, location))
            previous = timestamp
        return events

    def _delay(self, after: Event, before: dt.datetime) -> Event:
        """A "Delay:" scan at the last facility, between that scan and `before`."""
        timestamp = minute(
            after.timestamp + (before - after.timestamp) * self.rng.uniform(0.3, 0.9)
        )
        description = self.rng.choice(data.DELAY_DESCRIPTIONS)
        return Event(timestamp, "delayed", description, after.location)

    def timeline(
        self, status: str, *, carrier: str, expedited: bool, destination: Destination
    ) -> Timeline:
        """Plan a parcel whose history matches an order in `status` at the store's now.

        Finished parcels (delivered, returned, lost) are anchored on a placing time in the
        past; parcels still moving are anchored on now, so their scans are all in the past
        and their ETA is after today.
        """
        rng = self.rng
        dest_zone = destination.zone
        origin_zone = dest_zone
        if rng.random() >= 0.8:  # shipped from another warehouse when out of stock nearby
            origin_zone = rng.choice([zone for zone in data.WAREHOUSES if zone != dest_zone])
        warehouse = data.WAREHOUSES[origin_zone]
        transit = self._transit_days(carrier, expedited, origin_zone != dest_zone)
        promise = data.EXPEDITED_PROMISE_DAYS if expedited else data.STANDARD_PROMISE_DAYS

        if status in PLACED_WINDOWS_HOURS:
            placed = minute(self.now - hours(rng, *PLACED_WINDOWS_HOURS[status]))
            label = minute(placed + hours(rng, 3, 26))
            pickup = minute(label + hours(rng, 1, 6))
        else:
            if status in PICKUP_WINDOWS_HOURS:
                pickup = minute(self.now - hours(rng, *PICKUP_WINDOWS_HOURS[status]))
            else:  # out for delivery: picked up `transit` days ago, on the van this morning
                pickup = at(rng, self.as_of - transit * DAY, 14, 22)
            label = minute(pickup - hours(rng, 1, 6))
            placed = minute(label - hours(rng, 3, 26))
        promised = placed.date() + promise * DAY

        late = False
        if status in DELIVERED_STATUSES:
            by_yesterday = (self.as_of - pickup.date()).days - 1
            late = (
                status == "delivered"
                and rng.random() < LATE_DELIVERY_SHARE
                and transit + 2 <= by_yesterday
            )
            transit = max(1, min(transit + (2 if late else 0), by_yesterday))
            delivery_day = pickup.date() + transit * DAY
        elif status == "in_transit":
            delivery_day = self.as_of + rng.randint(1, 3) * DAY
        elif status == "out_for_delivery":
            delivery_day = self.as_of
        elif status == "shipped":
            delivery_day = max(pickup.date() + transit * DAY, self.as_of + DAY)
        elif status == "delayed":
            delivery_day = max(
                promised + rng.randint(1, 3) * DAY, self.as_of + rng.randint(1, 2) * DAY
            )
        else:  # lost: the day it was due
            delivery_day = pickup.date() + transit * DAY

        if late:
            promised = min(promised, delivery_day - DAY)
        elif status != "delayed":
            promised = max(promised, delivery_day)

        out_for_delivery = at(rng, delivery_day, 11, 15)
        scans = self._transit_scans(
            self._hubs(carrier, origin_zone, dest_zone),
            warehouse,
            destination.label,
            pickup,
            out_for_delivery,
        )
        events = [
            Event(label, "label_created", "Shipping label created", warehouse),
            Event(pickup, "picked_up", "Picked up by carrier", warehouse),
        ]
        delivered_at: dt.datetime | None = None

        if status in DELIVERED_STATUSES or status == "out_for_delivery":
            if late:
                middle = len(scans) // 2
                scans.insert(middle, self._delay(scans[middle - 1], scans[middle].timestamp))
            events += scans
            events.append(
                Event(out_for_delivery, "out_for_delivery", "Out for delivery", destination.label)
            )
            if status != "out_for_delivery":
                delivered_at = min(
                    minute(out_for_delivery + hours(rng, 0.5, 8)),
                    dt.datetime.combine(delivery_day, dt.time(23, 30)),
                )
                if destination.apartment:
                    description = data.DELIVERY_DESCRIPTION_APARTMENT
                else:
                    description = rng.choice(data.DELIVERY_DESCRIPTIONS)
                events.append(Event(delivered_at, "delivered", description, destination.label))
        elif status in ("in_transit", "delayed"):
            past = [scan for scan in scans if scan.timestamp < self.now]
            if not past:  # it has at least left the warehouse
                scans[0].timestamp = minute(pickup + (self.now - pickup) / 2)
                past = scans[:1]
            events += past
            if status == "delayed":
                events.append(self._delay(past[-1], self.now))
        elif status == "lost":
            kept = scans[: rng.randint(2, max(2, len(scans) - 1))]
            events += kept
            stalled_at = min(
                minute(kept[-1].timestamp + hours(rng, 30, 100)), minute(self.now - 72 * HOUR)
            )
            description = rng.choice(data.EXCEPTION_DESCRIPTIONS)
            events.append(Event(stalled_at, "exception", description, kept[-1].location))
        # "shipped": the label and the pick-up scan only.

        return Timeline(placed, pickup, promised, delivery_day, delivered_at, events)
