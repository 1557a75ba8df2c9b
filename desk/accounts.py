"""Agents and their logins, between the HTTP handlers and SQL.

Who may act in the desk is a concern of its own: the agents' and the login sessions' tables,
scrypt and tokens. The ticket rules (:mod:`desk.service`) only need to know who an agent is,
an :class:`AgentView`, so they import this module and never the other way round. Every agent
lookup is scoped to the asking agent's merchant: a colleague of another merchant is "not
found", like a ticket of another merchant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.auth import hash_password, new_token, token_hash, verify_password
from desk.config import AgentSeed
from desk.errors import NotFound
from desk.models import Agent, LoginSession
from webkit.db import SqlDatabase


def utc_now() -> dt.datetime:
    """Naive UTC, as the desk's tables store every time."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class AgentView:
    """An agent as the rules and pages see one: detached from the database session."""

    id: int
    username: str
    name: str
    merchant: str
    role: str


def _agent_view(agent: Agent) -> AgentView:
    return AgentView(agent.id, agent.username, agent.name, agent.merchant, agent.role)


class AgentAccounts:
    """Agents and logins on the desk's database.

    Args:
        database: The desk's database (thread-pool bridge from :mod:`webkit.db`).
        session_hours: Lifetime of a login.
        clock: Naive-UTC now; tests pin it.
    """

    def __init__(
        self,
        database: SqlDatabase,
        *,
        session_hours: int = 8,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.db = database
        self.session_hours = session_hours
        self.clock = clock

    async def seed_agents(self, seeds: list[AgentSeed], env: dict[str, str]) -> list[str]:
        """Create or update the configured agents; returns the usernames without a password.

        An agent whose ``password_env`` is unset is skipped (and cannot log in) rather than
        given a guessable default.
        """
        skipped: list[str] = []

        def work(session: Session) -> None:
            for seed in seeds:
                password = env.get(seed.password_env, "")
                if not password:
                    skipped.append(seed.username)
                    continue
                agent = session.scalar(select(Agent).where(Agent.username == seed.username))
                if agent is None:
                    agent = Agent(username=seed.username, password_hash="")
                    session.add(agent)
                if not verify_password(password, agent.password_hash):
                    agent.password_hash = hash_password(password)
                agent.name, agent.merchant, agent.role = seed.name, seed.merchant, seed.role.value
            session.commit()

        await self.db.run(work, write=True)
        return skipped

    async def login(self, username: str, password: str) -> tuple[str, str] | None:
        """A new session (cookie token, CSRF token) for valid credentials, else None."""

        def work(session: Session) -> tuple[str, str] | None:
            agent = session.scalar(select(Agent).where(Agent.username == username))
            # Hash even for an unknown name so timing does not tell which names exist.
            stored = agent.password_hash if agent else hash_password("not-a-real-password")
            if not verify_password(password, stored) or agent is None:
                return None
            token, csrf = new_token(), new_token()
            expires = self.clock() + dt.timedelta(hours=self.session_hours)
            session.add(
                LoginSession(
                    token_hash=token_hash(token),
                    agent_id=agent.id,
                    csrf_token=csrf,
                    expires_at=expires,
                )
            )
            session.commit()
            return token, csrf

        return await self.db.run(work, write=True)

    async def session_agent(self, token: str) -> tuple[AgentView, str] | None:
        """The agent and CSRF token of a live session, or None."""

        def work(session: Session) -> tuple[AgentView, str] | None:
            row = session.get(LoginSession, token_hash(token))
            if row is None or row.expires_at <= self.clock():
                return None
            return _agent_view(row.agent), row.csrf_token

        return await self.db.run(work)

    async def logout(self, token: str) -> None:
        """End the session holding ``token`` (an unknown token is already logged out)."""

        def work(session: Session) -> None:
            row = session.get(LoginSession, token_hash(token))
            if row is not None:
                session.delete(row)
                session.commit()

        await self.db.run(work, write=True)

    async def colleagues(self, agent: AgentView) -> list[dict[str, str]]:
        """Agents of the same merchant, for the assign list."""

        def work(session: Session) -> list[dict[str, str]]:
            rows = session.scalars(
                select(Agent).where(Agent.merchant == agent.merchant).order_by(Agent.username)
            ).all()
            return [{"username": a.username, "name": a.name} for a in rows]

        return await self.db.run(work)

    async def colleague(self, agent: AgentView, username: str) -> AgentView:
        """Another agent of the same merchant (assignment never crosses merchants)."""

        def work(session: Session) -> AgentView:
            other = session.scalar(select(Agent).where(Agent.username == username))
            if other is None or other.merchant != agent.merchant:
                raise NotFound(f"no agent {username!r} at this merchant")
            return _agent_view(other)

        return await self.db.run(work)
