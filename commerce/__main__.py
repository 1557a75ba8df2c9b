"""Serve the commerce backend: `python -m commerce` (settings from COMMERCE_* variables)."""

from __future__ import annotations

import logging
import sys

import pydantic
from aiohttp import web

from commerce.app import SchemaMissing, create_app
from commerce.config import DEFAULT_API_TOKEN, CommerceConfig
from commerce.recommendations import PolicyUnusable, warm_up_on_start
from webkit.access import RouteAccessLogger, access_logger
from webkit.db import safe_url

logger = logging.getLogger("commerce")


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = CommerceConfig.from_env()
    except pydantic.ValidationError as error:
        logger.error("Invalid COMMERCE_* settings:\n%s", error)
        return 2
    if config.api_token == DEFAULT_API_TOKEN:
        logger.warning(
            "Using the local development token; set COMMERCE_API_TOKEN outside your machine."
        )
    logger.info("Commerce backend on %s (store: %s)", config.base_url, safe_url(config.db_url))
    try:
        app = create_app(config)
    except PolicyUnusable as error:
        logger.error("Unusable merchant policy, the backend cannot start: %s", error)
        return 2
    try:
        app.cleanup_ctx.append(warm_up_on_start)
        web.run_app(
            app,
            host=config.host,
            port=config.port,
            print=None,
            access_log=access_logger(),
            access_log_class=RouteAccessLogger,
        )
    except SchemaMissing as error:
        logger.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
