"""The django-ninja API every Tessera service's JSON API is served by: refusals documented.

Every refusal a BFF or a backend stub answers has one shape, `{"detail": ...}`: a message, or
one entry per invalid field. The OpenAPI document says so for every operation, so that
callers (and the schema fuzzing in tests/fuzz/) can hold each answer to the document, errors
included.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema

from tessera.runtime.problem import not_found, problem

__all__ = ["DocumentedAPI", "Problem", "not_found", "problem"]


class Problem(Schema):
    """Why a request was refused."""

    detail: str | list[dict[str, Any]]


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document gives every operation its `refusals`."""

    def __init__(self, *, refusals: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refusals = refusals

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, description in self.refusals.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": content}
                    )
        return schema
