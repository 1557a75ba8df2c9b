"""τ-bench's retail store as this backend reads it: where the files are, what their values mean.

τ-bench (Sierra Research's benchmark for customer-service agents) ships its retail store as
three JSON files; `python -m commerce.seed --store tau-bench` turns them into rows of this
backend so the assistant can be tried on the benchmark's shoppers and orders. This module
finds and loads the files and maps τ-bench's values to ours (statuses, dollars, categories,
countries); `commerce.tau_bench_store` builds the rows from them. τ-bench's ids are kept as
they are (`noah_brown_6181`, `credit_card_9513926`, `#W2378156`, item ids as SKUs), so a
task of the benchmark reads the same against this API.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data" / "tau_bench_retail"
DATA_DIR_ENV = "TAU_BENCH_DATA"
FILES = ("users.json", "products.json", "orders.json")

STATUS_MAP = {
    "pending": "pending",
    "processed": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
}
"""τ-bench order statuses and ours. `processed` means the order left the warehouse (τ-bench
refuses to cancel or modify it), so it is `shipped`, not `packed`."""

CARD_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}
CANCEL_REASONS = {
    "no longer needed": "no_longer_needed",
    "ordered by mistake": "ordered_by_mistake",
}


class TauBenchDataError(ValueError):
    """The τ-bench files are missing, or hold something this loader cannot map."""


def resolve_data_dir(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Where the τ-bench files are: `--data-dir`, else `$TAU_BENCH_DATA`, else the default.

    The default is `../shared/data/tau_bench_retail` next to the repository, resolved from
    the repository root whatever the working directory.
    """
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit).expanduser().resolve()
    if env.get(DATA_DIR_ENV, "").strip():
        return Path(env[DATA_DIR_ENV].strip()).expanduser().resolve()
    return DEFAULT_DATA_DIR.resolve()


def load_files(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The three JSON files as dicts keyed by id.

    Raises:
        TauBenchDataError: A file is missing or is not a JSON object.
    """
    loaded: dict[str, dict[str, Any]] = {}
    for name in FILES:
        path = data_dir / name
        if not path.is_file():
            raise TauBenchDataError(
                f"{path} not found; pass --data-dir or set {DATA_DIR_ENV} to the folder with "
                f"{', '.join(FILES)}"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TauBenchDataError(f"{path} must hold a JSON object keyed by id")
        loaded[name.removesuffix(".json")] = data
    return loaded


def map_status(raw: str) -> tuple[str, bool]:
    """Our status for a τ-bench status, and whether the order's items were modified.

    τ-bench's tools write `pending (item modified)`, `return requested` and `exchange
    requested` (also seen with parentheses, e.g. `delivered (return requested)`).

    Raises:
        TauBenchDataError: A status this mapping does not know.
    """
    text = " ".join(raw.lower().replace("(", " ").replace(")", " ").split())
    if "exchange requested" in text:
        return "exchange_requested", False
    if "return requested" in text:
        return "return_requested", False
    if text.startswith("pending") and "item modified" in text:
        return "pending", True
    if text in STATUS_MAP:
        return STATUS_MAP[text], False
    raise TauBenchDataError(f"unknown τ-bench order status {raw!r}")


def cents(amount: float | int | str) -> int:
    """Dollars as τ-bench writes them (floats) to exact cents."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1)))


def category_of(product_name: str) -> str:
    """τ-bench has no categories; each product type is its own (`T-Shirt` -> `t_shirt`)."""
    return re.sub(r"[^a-z0-9]+", "_", product_name.lower()).strip("_") or "other"


def country_code(value: str) -> str:
    """τ-bench writes `USA`; the contract's addresses use ISO 3166-1 alpha-2."""
    return "US" if value.strip().upper() in ("USA", "US") else value.strip().upper()[:2]
