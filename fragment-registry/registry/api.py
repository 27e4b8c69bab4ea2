"""The registry's HTTP API: self-registration for fragment services, snapshots for shells.

Writes need the registry token (`Authorization: Bearer ...`). Reads are open: they expose
only what every shell must know anyway, and the registry listens on an internal address.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from registry import audit
from registry.models import NAME_PATTERN, Fragment, Instance, validate_path_template
from registry.snapshot import build_snapshot, encode
from registry.validators import validate_instance_url


class RegistryToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> bool:
        valid = hmac.compare_digest(token.encode(), settings.REGISTRY_TOKEN.encode())
        if valid:
            audit.actor.set("registry-token")
        return valid


api = NinjaAPI(
    title="Tessera fragment registry",
    version="1",
    urls_namespace="registry-api",
    description="Service discovery and configuration for Tessera's fragments.",
)


class InstanceIn(Schema):
    fragment: str = Field(pattern=NAME_PATTERN, description="the fragment's name")
    base_url: str = Field(max_length=300, description="where this instance serves, http(s)")
    version: str = Field("dev", min_length=1, max_length=64)
    path_template: str = Field(
        "/fragment", max_length=300, description="used when the fragment is first registered"
    )
    timeout_ms: int = Field(1000, ge=10, le=30_000)
    primary: bool = Field(False, description="used when the fragment is first registered")
    is_async: bool = Field(False, description="used when the fragment is first registered")
    owner: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)


class InstanceOut(Schema):
    id: int
    fragment: str
    base_url: str
    version: str
    last_heartbeat: datetime
    up: bool


def _out(instance: Instance) -> InstanceOut:
    return InstanceOut(
        id=instance.id,
        fragment=instance.fragment.name,
        base_url=instance.base_url,
        version=instance.version,
        last_heartbeat=instance.last_heartbeat,
        up=instance.is_up(),
    )


def _check(validator, value: str, field: str) -> str:
    try:
        return validator(value) or value
    except ValidationError as exc:
        raise HttpError(422, f"{field}: {' '.join(exc.messages)}") from None


@api.post("/v1/instances", response={201: InstanceOut}, auth=RegistryToken())
def register_instance(request: HttpRequest, payload: InstanceIn):
    """Register (or re-register) a running instance of a fragment service."""
    base_url = _check(validate_instance_url, payload.base_url, "base_url")
    _check(validate_path_template, payload.path_template, "path_template")
    with transaction.atomic():
        fragment, _ = Fragment.objects.get_or_create(
            name=payload.fragment,
            defaults={
                "path_template": payload.path_template,
                "timeout_ms": payload.timeout_ms,
                "primary": payload.primary,
                "is_async": payload.is_async,
                "owner": payload.owner,
                "description": payload.description,
            },
        )
        try:
            instance, _ = Instance.objects.update_or_create(
                fragment=fragment,
                base_url=base_url,
                defaults={"version": payload.version, "last_heartbeat": timezone.now()},
            )
        except IntegrityError as exc:  # pragma: no cover - a concurrent duplicate
            raise HttpError(409, f"instance already registered: {exc}") from None
    return Status(201, _out(instance))


@api.post(
    "/v1/instances/{instance_id}/heartbeat", response={200: InstanceOut}, auth=RegistryToken()
)
def heartbeat(request: HttpRequest, instance_id: int):
    """Tell the registry an instance is still alive."""
    instance = get_object_or_404(Instance.objects.select_related("fragment"), id=instance_id)
    instance.last_heartbeat = timezone.now()
    instance.save(update_fields=["last_heartbeat"])
    return _out(instance)


@api.delete("/v1/instances/{instance_id}", response={204: None}, auth=RegistryToken())
def deregister(request: HttpRequest, instance_id: int):
    """Remove an instance, e.g. on graceful shutdown; it receives no traffic from now on."""
    get_object_or_404(Instance, id=instance_id).delete()
    return Status(204, None)


@api.get("/v1/instances", response=list[InstanceOut])
def list_instances(request: HttpRequest):
    """Every registered instance, with whether its heartbeat is current."""
    return [_out(i) for i in Instance.objects.select_related("fragment")]


@api.get("/v1/snapshot")
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


class TrafficIn(Schema):
    pinned_version: str = Field("", max_length=64, description="blank: every version serves")
    canary_version: str = Field("", max_length=64, description="blank: no canary")
    canary_percent: int = Field(0, ge=0, le=100, description="share of visitors, sticky")


class TrafficOut(TrafficIn):
    fragment: str
    shares: dict[str, float] = Field(description="live version -> percent of visitors")


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


@api.get("/v1/fragments/{name}/traffic", response=TrafficOut)
def traffic(request: HttpRequest, name: str):
    """How the fragment's traffic is split between its live versions."""
    return _traffic(get_object_or_404(Fragment, name=name))


@api.put("/v1/fragments/{name}/traffic", response=TrafficOut, auth=RegistryToken())
def set_traffic(request: HttpRequest, name: str, payload: TrafficIn):
    """Pin a version and/or give a canary version a share of visitors (deploys use this)."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        fragment.pinned_version = payload.pinned_version
        fragment.canary_version = payload.canary_version
        fragment.canary_percent = payload.canary_percent
        try:
            fragment.full_clean()
        except ValidationError as exc:
            raise HttpError(422, "; ".join(exc.messages)) from None
        fragment.save()
    return _traffic(fragment)
