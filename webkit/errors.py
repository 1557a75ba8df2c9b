"""The JSON error body every service answers with, and the middleware that guarantees it.

Contract: ``{"error": {"code": ..., "message": ...}}`` with a 4xx for what the caller can fix
and a bare 500 that reveals nothing for our own bugs. A service adds its own middleware inside
this one for its domain errors (the backend's exception → status table).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

logger = logging.getLogger(__name__)

_HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}
# Headers of an aiohttp HTTPException that describe its own text body, not ours.
_BODY_HEADERS = {"content-type", "content-length"}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """The contract's error body: `{"error": {"code": ..., "message": ...}}`."""
    response = web.json_response({"error": {"code": code, "message": message}}, status=status)
    if headers:
        response.headers.update(headers)
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with the contract's JSON error body.

    aiohttp raises `HTTPException`s for unknown routes, wrong methods and oversized bodies;
    they become 4xx JSON. Anything else is a bug on our side: logged with its traceback and
    answered with a bare 500 that reveals nothing.
    """
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_ERROR_CODES.get(exc.status, "http_error")
        message = exc.reason if exc.status != 413 else "The request body is too large."
        headers = {k: v for k, v in exc.headers.items() if k.lower() not in _BODY_HEADERS}
        return error_response(exc.status, code, message, headers)
    except Exception:
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")
