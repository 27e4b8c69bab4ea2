"""What every part of the registry's API shares: the write credential, validation through the
models, the errors each operation may answer, and the ETag preconditions of its objects."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.errors import ValidationError as Refused
from ninja.security import HttpBearer

from registry import audit
from registry.models import ENVIRONMENT_ACTOR, ApiToken
from registry.schemas import Invalid, Problem
from registry.validators import within

#: Largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: What any request may get besides its success: an unreadable body, bad input.
ERRORS = {400: Problem, 422: Invalid}
#: ...and a write besides those: no or a wrong token.
WRITE_ERRORS = {**ERRORS, 401: Problem}
#: ...and a write to an object with an ETag: it changed since it was read (`If-Match`), or
#: a concurrent write took its name or route first (409).
CONDITIONAL_WRITE_ERRORS = {**WRITE_ERRORS, 409: Problem, 412: Problem}


class RegistryToken(HttpBearer):
    """A write's credential: the environment's token (fragment services), or a named API
    token issued in the admin and not revoked (models.ApiToken); the history records which."""

    def authenticate(self, request: HttpRequest, token: str) -> bool:
        secret = token.encode("utf-8", "surrogatepass")
        if hmac.compare_digest(secret, settings.REGISTRY_TOKEN.encode()):
            audit.actor.set(ENVIRONMENT_ACTOR)
            return True
        name = ApiToken.holder(token)
        if name is None:
            return False
        audit.actor.set(f"token:{name}")
        return True


def validate(
    obj: models.Model,
    *,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
    fields: Mapping[str, str] | None = None,
    at: Sequence[str | int] = (),
    unique: bool = False,
) -> None:
    """Run the model's own validation on `obj` (the admin's too) for the fields `only` (all
    but `exclude` without it), canonicalising them; refuse with 422 naming each field as the
    request does (`fields` maps model field names to body field names; `at` is where in the
    body `obj` is, e.g. a page's third placement). `unique` checks uniqueness too."""
    names = {f.name for f in obj._meta.fields}
    skip = (names - set(only)) if only is not None else set(exclude)
    try:
        obj.full_clean(exclude=skip, validate_unique=unique, validate_constraints=unique)
    except ValidationError as exc:
        raise Refused(
            [
                {
                    "type": "value_error",
                    "loc": ["body", "payload", *at]
                    + ([] if field == NON_FIELD_ERRORS else [(fields or {}).get(field, field)])
                    + within(error),
                    "msg": message,
                }
                for field, errors in exc.error_dict.items()
                for error in errors
                for message in error
            ]
        ) from None


def refuse(message: str, *at: str | int) -> Refused:
    """A 422 for one reason at one place in the body (e.g. a placement named twice)."""
    return Refused([{"type": "value_error", "loc": ["body", "payload", *at], "msg": message}])


def etag(representation: Mapping[str, Any]) -> str:
    """The strong ETag of an object's representation: a hash of its canonical JSON."""
    body = json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def check_preconditions(request: HttpRequest, current: str | None, what: str) -> None:
    """Refuse a write with 412 when its `If-Match` does not name `current` (the object's ETag
    now, None when there is no such object) or its `If-None-Match` does: two tools that
    read, change and write the same object cannot overwrite each other unseen. A write
    without either header is unconditional."""
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        tags = _tags(if_match)
        if current is None:
            raise HttpError(412, f"{what} does not exist, so it cannot match If-Match")
        if "*" not in tags and current not in tags:
            raise HttpError(
                412,
                f"{what} changed since you read it (its ETag is now {current}): read it again "
                "and make your change on what it is now",
            )
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and current is not None:
        tags = _tags(if_none_match)
        if "*" in tags or current in tags:
            raise HttpError(412, f"{what} exists already (If-None-Match)")


def _header(name: str, description: str) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": False, "schema": {"type": "string"},
            "description": description}  # fmt: skip


#: The OpenAPI parameters of a conditional write (see `check_preconditions`).
CONDITIONAL = {
    "parameters": [
        _header("If-Match", "the ETag the object had when read: refused with 412 if it changed"),
        _header("If-None-Match", '"*": only create, refused with 412 if the object exists'),
    ]
}
