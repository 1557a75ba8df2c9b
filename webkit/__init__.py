"""Plumbing the project's aiohttp services share: JSON errors, route-only access logs, and the
bridge from asyncio handlers to synchronous SQLAlchemy.

The reference backend and the agent desk both build on it and neither imports the other: a
merchant who replaces the backend keeps the desk as it is.
"""
