"""The OpenAPI 3.0 document of the service, generated from the route table and the models.

Paths come from `commerce.routes.ROUTES` (method, path, summary, parameters, query and
request models, answer model, refusals); `components.schemas` from pydantic's schema of the
models those rows name. Handlers parse with the same models and answer with the same shapes,
so the document describes what the service does rather than what someone remembered to write.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.schema import schema as pydantic_schema

from commerce.routes import ROUTES, Param, Route
from commerce.schemas import Error

Schema = dict[str, Any]

API_VERSION = "1.0.0"
REF_PREFIX = "#/components/schemas/"
SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}]
UNAUTHORIZED = "Missing or wrong bearer token (`unauthorized`)."
REPLAYED_HEADER: Schema = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same key; absent on the first answer.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
DESCRIPTION = (
    "Orders, customers and products of the store (the generated demo store or τ-bench's "
    "retail store), as described in docs/commerce-api.md, and the post-purchase changes. "
    "Every /api/v1 route needs a bearer token; every change needs an Idempotency-Key. Errors "
    'are `{"error": {"code", "message"}}` with a 4xx status; an unknown route answers '
    "`404 not_found` and a wrong method `405 method_not_allowed`."
)


def _json(model: type[BaseModel] | None, description: str) -> Schema:
    """An answer with a JSON body; `None` for one that is any JSON object."""
    body: Schema = {"$ref": REF_PREFIX + model.__name__} if model else {"type": "object"}
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _parameter(param: Param) -> Schema:
    shown: Schema = {"name": param.name, "in": param.location, "required": param.required}
    if param.description:
        shown["description"] = param.description
    shown["schema"] = dict(param.schema)
    if param.example is not None:
        shown["example"] = param.example
    return shown


def _query_parameters(model: type[BaseModel]) -> list[Schema]:
    """A query model's fields as parameters: the field's schema, its words and example."""
    properties = model.schema()["properties"]
    shown = []
    for name, field in model.__fields__.items():
        schema = dict(properties[name])
        schema.pop("nullable", None)  # an absent parameter is the query's "null"
        parameter: Schema = {"name": name, "in": "query", "required": field.required}
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        example = schema.pop("example", None)
        parameter["schema"] = schema
        if example is not None:
            parameter["example"] = example
        shown.append(parameter)
    return shown


def _operation(route: Route) -> Schema:
    answer = _json(route.answer, route.answered)
    if route.change:
        answer["headers"] = REPLAYED_HEADER
    responses: Schema = {str(route.status): answer}
    responses.update(
        {str(status): _json(route.answer, text) for status, text in route.also.items()}
    )
    refusals = {401: UNAUTHORIZED, **route.errors} if route.secured else dict(route.errors)
    for status, text in sorted(refusals.items()):
        responses[str(status)] = _json(Error, text)
    operation: Schema = {"operationId": route.operation_id, "summary": route.summary}
    if route.description:
        operation["description"] = route.description
    operation["security"] = SECURED if route.secured else []
    parameters = [_parameter(param) for param in route.params]
    if route.query is not None:
        parameters += _query_parameters(route.query)
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(route.body, "")["content"]}
    operation["responses"] = responses
    return operation


def _models(routes: tuple[Route, ...]) -> list[type[BaseModel]]:
    """Every model a route reads or answers with, and the error shape; each once, in order."""
    named = [Error] + [m for r in routes for m in (r.body, r.answer) if m is not None]
    return list(dict.fromkeys(named))


def build_openapi(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.0 document; a fresh copy on every call, safe to mutate.

    Args:
        server_url: Where the service listens, advertised in `servers` when given.
    """
    paths: dict[str, Schema] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    schemas = pydantic_schema(_models(ROUTES), ref_prefix=REF_PREFIX)["definitions"]
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Aftercare reference commerce backend",
            "version": API_VERSION,
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": server_url or "/"}],
        "security": SECURED,
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "COMMERCE_API_TOKEN (local default `dev-commerce-token`).",
                }
            },
            "schemas": dict(sorted(schemas.items())),
        },
    }
    return copy.deepcopy(document)
