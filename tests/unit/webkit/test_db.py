"""A database URL in a log line never shows its password."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from webkit.db import IDS_PER_QUERY, in_batches, safe_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://desk:hunter2@db:5432/desk", "postgresql://desk:***@db:5432/desk"),
        ("postgresql://root@127.0.0.1:5432/tracker", "postgresql://root@127.0.0.1:5432/tracker"),
        ("sqlite:///var/desk.db", "sqlite:///var/desk.db"),
        ("not a url hunter2", "<unreadable database URL>"),
    ],
)
def test_the_password_is_hidden_and_the_rest_kept(url: str, shown: str) -> None:
    assert safe_url(url) == shown


def test_ids_are_asked_in_batches_that_cover_each_once() -> None:
    column = sa.table("events", sa.column("sender_id")).c.sender_id
    ids = [f"s-{n}" for n in range(2 * IDS_PER_QUERY + 1)]
    batches = in_batches(column, ids)
    asked = [b.right.value for b in batches]  # the bound IN list of each
    assert [len(a) for a in asked] == [IDS_PER_QUERY, IDS_PER_QUERY, 1]
    assert [i for a in asked for i in a] == ids
    assert in_batches(column, []) == []
