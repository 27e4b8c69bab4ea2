"""Instances: fragment services registering, heartbeating and leaving; operators adding and
weighting manual ones (an origin that sends no heartbeats)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Router, Status
from ninja.errors import HttpError

from registry.api.common import (
    CONDITIONAL,
    CONDITIONAL_WRITE_ERRORS,
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    RegistryToken,
    check_preconditions,
    etag,
    validate,
)
from registry.models import Fragment, Instance
from registry.schemas import InstanceIn, InstanceOut, InstancePatch, Problem

router = Router(tags=["instances"])

#: The fragment settings a registration carries (used only when it creates the fragment).
FRAGMENT_FIELDS = ("path_template", "timeout_ms", "primary", "is_async", "owner", "description")
InstanceId = Path(..., ge=1, le=MAX_ID, example=1)


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


def _etag(instance: Instance) -> str:
    """An instance's ETag covers what operators set, not its heartbeat: a self-registered
    instance heartbeats every few seconds, and that is no change to write over."""
    return etag(_out(instance).model_dump(exclude={"last_heartbeat", "up"}))


@router.post(
    "/instances", response={201: InstanceOut, 409: Problem, **WRITE_ERRORS}, auth=RegistryToken()
)
def register_instance(request: HttpRequest, payload: InstanceIn):
    """Register (or re-register) a running instance of a fragment service, or, with
    `manual`, an origin that sends no heartbeats."""
    initial = {field: getattr(payload, field) for field in FRAGMENT_FIELDS}
    fragment = Fragment(name=payload.fragment, **initial)
    validate(fragment, fields={"name": "fragment"})
    # What the registration says; what it leaves out stays as it is (or the default).
    given = {k: v for k in ("manual", "weight") if (v := getattr(payload, k)) is not None}
    instance = Instance(
        fragment=fragment, base_url=payload.base_url, version=payload.version, **given
    )
    validate(instance, exclude=("fragment",))
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


@router.post(
    "/instances/{instance_id}/heartbeat",
    response={200: InstanceOut, 404: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def heartbeat(request: HttpRequest, instance_id: int = InstanceId):
    """Tell the registry an instance is still alive."""
    instance = get_object_or_404(Instance.objects.select_related("fragment"), id=instance_id)
    instance.last_heartbeat = timezone.now()
    instance.save(update_fields=["last_heartbeat"])
    return _out(instance)


@router.get("/instances", response=list[InstanceOut])
def list_instances(request: HttpRequest):
    """Every registered instance, with whether it gets traffic (`up`: the snapshot's rule,
    which bridges the registry's own restart)."""
    now = timezone.now()
    return [_out(i, now) for i in Instance.objects.select_related("fragment")]


@router.get("/instances/{instance_id}", response={200: InstanceOut, 404: Problem, **ERRORS})
def get_instance(request: HttpRequest, response: HttpResponse, instance_id: int = InstanceId):
    """One instance; its `ETag` is what `If-Match` takes on a change."""
    instance = get_object_or_404(Instance.objects.select_related("fragment"), id=instance_id)
    response["ETag"] = _etag(instance)
    return _out(instance)


@router.patch(
    "/instances/{instance_id}",
    response={200: InstanceOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def change_instance(
    request: HttpRequest,
    response: HttpResponse,
    payload: InstancePatch,
    instance_id: int = InstanceId,
):
    """Change what an operator sets on an instance (its weight, version, whether it is
    manual); a field left out keeps its value."""
    with transaction.atomic():
        instance = get_object_or_404(
            Instance.objects.select_for_update().select_related("fragment"), id=instance_id
        )
        check_preconditions(request, _etag(instance), f"instance {instance_id}")
        given = payload.model_dump(exclude_unset=True)
        for field, value in given.items():
            setattr(instance, field, value)
        validate(instance, only=given)
        instance.save()
    response["ETag"] = _etag(instance)
    return _out(instance)


@router.delete(
    "/instances/{instance_id}",
    response={204: None, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def deregister(request: HttpRequest, instance_id: int = InstanceId):
    """Remove an instance, e.g. on graceful shutdown; it receives no traffic from now on."""
    with transaction.atomic():
        instance = get_object_or_404(
            Instance.objects.select_for_update().select_related("fragment"), id=instance_id
        )
        check_preconditions(request, _etag(instance), f"instance {instance_id}")
        instance.delete()
    return Status(204, None)
