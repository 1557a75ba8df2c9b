"""Serve the agent desk: `python -m desk` (settings from DESK_* variables)."""

from __future__ import annotations

import logging
import sys

import pydantic
from aiohttp import web

from desk.app import create_app
from desk.config import DeskConfig
from webkit.access import RouteAccessLogger, access_logger
from webkit.db import safe_url

logger = logging.getLogger("desk")


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = DeskConfig.from_env()
    except (pydantic.ValidationError, ValueError, OSError) as error:
        logger.error("Invalid desk settings:\n%s", error)
        return 2
    logger.info(
        "Agent desk on http://%s:%s (database: %s)",
        config.host,
        config.port,
        safe_url(config.db_url),
    )
    web.run_app(
        create_app(config),
        host=config.host,
        port=config.port,
        print=None,
        access_log=access_logger(),
        access_log_class=RouteAccessLogger,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
