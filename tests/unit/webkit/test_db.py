"""A database URL in a log line never shows its password."""

from __future__ import annotations

import pytest

from webkit.db import safe_url


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
