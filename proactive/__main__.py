"""Serve proactive messages: ``python -m proactive`` (settings from PROACTIVE_* variables)."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from merchants.proactive import MissingSecret
from proactive.app import ServiceConfig, create_app
from webkit.access import RouteAccessLogger, access_logger
from webkit.db import safe_url

logger = logging.getLogger("proactive")


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = ServiceConfig.from_env()
        app = create_app(config)
    except (ValueError, OSError, MissingSecret) as error:
        logger.error("Invalid proactive settings:\n%s", error)
        return 2
    logger.info(
        "Proactive messages on http://%s:%s for %s (database: %s)",
        config.host,
        config.port,
        ", ".join(sorted(config.settings)) or "no merchant",
        safe_url(config.db_url),
    )
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        print=None,
        access_log=access_logger(),
        access_log_class=RouteAccessLogger,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
