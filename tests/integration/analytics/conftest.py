"""A fresh analytics database per test, and a way to read back every row of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.tables import metadata


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    built = sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    yield built
    built.dispose()


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every analytics table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }


def tables(engine: Engine) -> dict[str, Any]:
    """The derived tables and the stored event ids (a source adds its positions beside them)."""
    found = dump(engine)
    del found["analytics_offsets"]
    found["analytics_events"] = [row[0] for row in found["analytics_events"]]
    return found
