"""A throw-away PostgreSQL database on this machine's server, for the tests that need one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_HOST, PG_PORT, PG_ROLES = "127.0.0.1", 5432, ("root", "postgres")


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """Create database ``name`` as the first role allowed to; its URL; dropped on leaving.

    A machine without PostgreSQL fails the test, saying so: the stores' behaviour on it is
    what production runs.
    """
    errors = []
    for role in PG_ROLES:
        admin = sa.create_engine(
            f"postgresql://{role}@{PG_HOST}:{PG_PORT}/postgres",
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3},
        )
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            break
        except sa.exc.SQLAlchemyError as exc:
            errors.append(f"{role}: {str(exc.orig or exc).strip().splitlines()[0]}")
            admin.dispose()
    else:
        pytest.fail(
            f"PostgreSQL at {PG_HOST}:{PG_PORT} is needed and could not create a database as "
            f"any of {PG_ROLES}: {'; '.join(errors)}",
            pytrace=False,
        )
    try:
        yield f"postgresql://{role}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
