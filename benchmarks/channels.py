"""``python -m benchmarks.channels``: what the verified SMS channel adds to a turn.

Runs the same whole order-status conversations over REST and over signed Twilio webhooks
(TwiML replies) on one running stack, alternating so both see the same machine load, and
times the in-process signature check. Prints the numbers for docs/channels.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import timeit
import uuid
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from benchmarks.run import MODEL, seed, summary
from stack.isolated import isolated_env
from stack.processes import Stack


def sms_turn(url: str, token: str, number: str, text: str) -> float:
    """One signed webhook, as Twilio sends it; milliseconds until the TwiML reply."""
    params = {"From": number, "To": "+15005550006", "Body": text, "MessageSid": uuid.uuid4().hex}
    signature = RequestValidator(token).compute_signature(url, params)
    start = time.perf_counter()
    resp = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    resp.raise_for_status()
    return (time.perf_counter() - start) * 1000


def rest_turn(url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    resp = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
    resp.raise_for_status()
    return (time.perf_counter() - start) * 1000


def signature_check_us(token: str) -> float:
    """Microseconds for one RequestValidator check of a typical webhook."""
    url = "https://help.shop.example/webhooks/sms/demo"
    params = {"From": "+14155550101", "To": "+15005550006", "Body": "where is my order?"}
    validator = RequestValidator(token)
    signature = validator.compute_signature(url, params)
    runs = 2000
    seconds = timeit.timeit(lambda: validator.validate(url, params, signature), number=runs)
    return seconds / runs * 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/commerce.db"
        orders = [o for o in seed(db_url) if o["status"] in ("in_transit", "delivered", "delayed")]
        overrides = isolated_env(Path(tmp), db_url)
        with Stack(overrides=overrides, log_dir=Path(tmp) / "log", model=str(MODEL)) as stack:
            sms_url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/sms/demo"
            token = stack.env["TWILIO_AUTH_TOKEN_DEMO"]
            rest, sms = [], []
            for i in range(args.conversations):
                order = orders[i % len(orders)]
                script = ("hi, where is my order?", order["order_id"], order["email"], "thanks!")
                sender, number = f"bench-{uuid.uuid4().hex[:8]}", f"+1202555{i:04d}"
                for text in script:
                    rest.append(rest_turn(stack.rest_url, sender, text))
                    sms.append(sms_turn(sms_url, token, number, text))
    print("REST turn:", summary(rest))
    print("SMS webhook turn (signed, TwiML reply):", summary(sms))
    print(f"median difference: {statistics.median(sms) - statistics.median(rest):+.1f} ms")
    print(f"RequestValidator check: {signature_check_us(token):.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
