"""The registry's HTTP API: self-registration for fragment services, snapshots for shells,
traffic and forced breaker states for deploys and operators, breaker reports from shells.

Writes need the registry token (`Authorization: Bearer ...`). Reads are open: they expose
only what every shell must know anyway, and the registry listens on an internal address.
Bad input gets 422 naming each wrong field and why (the bodies are in registry.schemas,
the rules in the models, which the admin uses too), and nothing is stored.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import defaults
from ninja import NinjaAPI, Path, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as Refused
from ninja.security import HttpBearer

from registry import audit
from registry.models import ENVIRONMENT_ACTOR, ApiToken, Fragment, Instance, ShellReport
from registry.schemas import (
    BreakerIn,
    BreakerOut,
    InstanceIn,
    InstanceOut,
    Invalid,
    Problem,
    ShellReportIn,
    Snapshot,
    TrafficIn,
    TrafficOut,
)
from registry.snapshot import build_snapshot, encode
from registry.validators import NAME
from tessera.runtime.openapi import problem

#: Largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: The fragment settings a registration carries (used only when it creates the fragment).
FRAGMENT_FIELDS = ("path_template", "timeout_ms", "primary", "is_async", "owner", "description")
TRAFFIC_FIELDS = ("pinned_version", "canary_version", "canary_percent")
#: What any request may get besides its success: an unreadable body, bad input.
ERRORS = {400: Problem, 422: Invalid}
#: ...and a write besides those: no or a wrong token.
WRITE_ERRORS = {**ERRORS, 401: Problem}


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


api = NinjaAPI(
    title="Tessera fragment registry",
    version="1",
    urls_namespace="registry-api",
    description="Service discovery and configuration for Tessera's fragments.",
)


def _validate(
    obj: models.Model,
    *,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
    fields: Mapping[str, str] | None = None,
) -> None:
    """Run the model's own validation on `obj` (the admin's too) for the fields `only` (all
    but `exclude` without it), canonicalising them; refuse with 422 naming each field as the
    request does (`fields` maps model field names to body field names)."""
    names = {f.name for f in obj._meta.fields}
    skip = (names - set(only)) if only is not None else set(exclude)
    try:
        obj.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Refused(
            [
                {
                    "type": "value_error",
                    "loc": ["body", "payload"]
                    + ([] if field == NON_FIELD_ERRORS else [(fields or {}).get(field, field)]),
                    "msg": message,
                }
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own 400 (`handler400`: a Host not in ALLOWED_HOSTS, a suspicious request):
    JSON under /api/, like every other answer there; Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return problem(400, "Bad Request")
    return defaults.bad_request(request, exception)


def _out(instance: Instance, now: datetime | None = None) -> InstanceOut:
    """An instance as the API shows it; `up` is `Instance.is_up`, the snapshot's rule."""
    return InstanceOut(
        id=instance.id,
        fragment=instance.fragment.name,
        base_url=instance.base_url,
        version=instance.version,
        manual=instance.manual,
        weight=instance.weight,
        last_heartbeat=instance.last_heartbeat,
        up=instance.is_up(now),
    )


@api.post(
    "/v1/instances", response={201: InstanceOut, 409: Problem, **WRITE_ERRORS}, auth=RegistryToken()
)
def register_instance(request: HttpRequest, payload: InstanceIn):
    """Register (or re-register) a running instance of a fragment service."""
    initial = {field: getattr(payload, field) for field in FRAGMENT_FIELDS}
    fragment = Fragment(name=payload.fragment, **initial)
    _validate(fragment, fields={"name": "fragment"})
    # What the registration says; what it leaves out stays as it is (or the default).
    given = {k: v for k in ("manual", "weight") if (v := getattr(payload, k)) is not None}
    instance = Instance(
        fragment=fragment, base_url=payload.base_url, version=payload.version, **given
    )
    _validate(instance, exclude=("fragment",))
    with transaction.atomic():
        fragment, _ = Fragment.objects.get_or_create(
            name=fragment.name, defaults={field: getattr(fragment, field) for field in initial}
        )
        try:
            instance, _ = Instance.objects.update_or_create(
                fragment=fragment,
                base_url=instance.base_url,
                defaults={
                    "version": instance.version,
                    "last_heartbeat": timezone.now(),
                    **given,
                },
            )
        except IntegrityError as exc:  # pragma: no cover - a concurrent duplicate
            raise HttpError(409, f"instance already registered: {exc}") from None
    return Status(201, _out(instance))


@api.post(
    "/v1/instances/{instance_id}/heartbeat",
    response={200: InstanceOut, 404: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def heartbeat(request: HttpRequest, instance_id: int = Path(..., ge=1, le=MAX_ID, example=1)):
    """Tell the registry an instance is still alive."""
    instance = get_object_or_404(Instance.objects.select_related("fragment"), id=instance_id)
    instance.last_heartbeat = timezone.now()
    instance.save(update_fields=["last_heartbeat"])
    return _out(instance)


@api.delete(
    "/v1/instances/{instance_id}",
    response={204: None, 404: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def deregister(request: HttpRequest, instance_id: int = Path(..., ge=1, le=MAX_ID, example=1)):
    """Remove an instance, e.g. on graceful shutdown; it receives no traffic from now on."""
    get_object_or_404(Instance, id=instance_id).delete()
    return Status(204, None)


@api.get("/v1/instances", response=list[InstanceOut])
def list_instances(request: HttpRequest):
    """Every registered instance, with whether it gets traffic (`up`: the snapshot's rule,
    which bridges the registry's own restart)."""
    now = timezone.now()
    return [_out(i, now) for i in Instance.objects.select_related("fragment")]


@api.get("/v1/snapshot", response={200: Snapshot, 304: None}, by_alias=True)
def snapshot(request: HttpRequest) -> HttpResponse:
    """What shells need to compose pages. Send `If-None-Match` to get a cheap 304."""
    body, etag = encode(build_snapshot())
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


def _traffic(fragment: Fragment) -> TrafficOut:
    now = timezone.now()
    live = [i.version for i in fragment.instances.all() if i.is_up(now)]
    return TrafficOut(
        fragment=fragment.name,
        pinned_version=fragment.pinned_version,
        canary_version=fragment.canary_version,
        canary_percent=fragment.canary_percent,
        shares=fragment.traffic(live),
    )


@api.get("/v1/fragments/{name}/traffic", response={200: TrafficOut, 404: Problem, **ERRORS})
def traffic(request: HttpRequest, name: str = Path(..., pattern=f"^{NAME}$", example="reviews")):
    """How the fragment's traffic is split between its live versions."""
    return _traffic(get_object_or_404(Fragment, name=name))


@api.put(
    "/v1/fragments/{name}/traffic",
    response={200: TrafficOut, 404: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def set_traffic(
    request: HttpRequest,
    payload: TrafficIn,
    name: str = Path(..., pattern=f"^{NAME}$", example="reviews"),
):
    """Pin a version and/or give a canary version a share of visitors (deploys use this).
    The body is the whole setting: a field left out is reset to its default."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        for field in TRAFFIC_FIELDS:
            setattr(fragment, field, getattr(payload, field))
        _validate(fragment, only=TRAFFIC_FIELDS)
        fragment.save()
    return _traffic(fragment)


def _breaker(fragment: Fragment) -> BreakerOut:
    return BreakerOut(fragment=fragment.name, **fragment.breaker_settings())


@api.put(
    "/v1/fragments/{name}/breaker",
    response={200: BreakerOut, 404: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def set_breaker(
    request: HttpRequest,
    payload: BreakerIn,
    name: str = Path(..., pattern=f"^{NAME}$", example="reviews"),
):
    """Force the fragment's circuit breaker on every shell: "open" sends every page straight
    to the fallback chain, "closed" disables the breaker, "" leaves it to decide. Shells
    apply it from their next snapshot. Answers with the fragment's breaker settings."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        fragment.breaker_forced = payload.forced
        _validate(fragment, only=("breaker_forced",), fields={"breaker_forced": "forced"})
        fragment.save()
    return _breaker(fragment)


@api.post("/v1/shells/report", response={204: None, **WRITE_ERRORS}, auth=RegistryToken())
def shell_report(request: HttpRequest, payload: ShellReportIn):
    """A shell's report on its circuit breakers and its recent traffic to each fragment
    (about every 2 s): it replaces that shell's previous report. Fragments the registry does
    not know are kept as reported. Not recorded in the audit history."""
    _validate(ShellReport(shell=payload.shell), only=("shell",))
    ShellReport.record(
        payload.shell,
        {name: entry.model_dump() for name, entry in payload.fragments.items()},
        traffic={
            name: [list(point) for point in series] for name, series in payload.traffic.items()
        },
        interval_s=payload.interval_s,
    )
    return Status(204, None)
