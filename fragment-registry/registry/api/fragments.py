"""Fragments: every setting the admin has, read and written as a whole (PUT) or in part
(PATCH), each under its ETag; and the two settings deploys and operators flip on their own,
traffic between versions and the forced breaker state."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Router, Status
from ninja.errors import HttpError

from registry.api.common import (
    CONDITIONAL,
    CONDITIONAL_WRITE_ERRORS,
    ERRORS,
    RegistryToken,
    check_preconditions,
    etag,
    validate,
)
from registry.models import Fragment
from registry.schemas import (
    BreakerIn,
    BreakerOut,
    FragmentIn,
    FragmentOut,
    Problem,
    TrafficIn,
    TrafficOut,
)
from registry.validators import NAME

router = Router(tags=["fragments"])

FragmentName = Path(..., pattern=f"^{NAME}$", example="reviews")
#: The settings a fragment has: every field of FragmentIn, by the model's names.
SETTINGS = tuple(FragmentIn.model_fields)
TRAFFIC_FIELDS = ("pinned_version", "canary_version", "canary_percent")


def _settings(fragment: Fragment) -> FragmentIn:
    return FragmentIn.model_construct(**{field: getattr(fragment, field) for field in SETTINGS})


def _etag(fragment: Fragment) -> str:
    return etag({"name": fragment.name, **_settings(fragment).model_dump()})


def _out(fragment: Fragment) -> FragmentOut:
    now = timezone.now()
    instances = list(fragment.instances.all())
    return FragmentOut(
        name=fragment.name,
        settings=_settings(fragment),
        live_instances=sum(instance.is_up(now) for instance in instances),
        instances=len(instances),
    )


def _answer(response: HttpResponse, fragment: Fragment) -> FragmentOut:
    response["ETag"] = _etag(fragment)
    return _out(fragment)


@router.get("/fragments", response=list[FragmentOut])
def list_fragments(request: HttpRequest):
    """Every fragment with its settings."""
    return [_out(f) for f in Fragment.objects.prefetch_related("instances")]


@router.get("/fragments/{name}", response={200: FragmentOut, 404: Problem, **ERRORS})
def get_fragment(request: HttpRequest, response: HttpResponse, name: str = FragmentName):
    """One fragment; its `ETag` is what `If-Match` takes on a change."""
    return _answer(response, get_object_or_404(Fragment, name=name))


@router.put(
    "/fragments/{name}",
    response={200: FragmentOut, 201: FragmentOut, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def put_fragment(
    request: HttpRequest, response: HttpResponse, payload: FragmentIn, name: str = FragmentName
):
    """Create the fragment (201) or replace all its settings (200): a field left out is
    reset to its default. `If-None-Match: *` only creates; `If-Match` only replaces what
    was read."""
    with transaction.atomic():
        fragment = Fragment.objects.select_for_update().filter(name=name).first()
        check_preconditions(request, fragment and _etag(fragment), f"fragment {name}")
        created = fragment is None
        fragment = fragment or Fragment(name=name)
        for field in SETTINGS:
            setattr(fragment, field, getattr(payload, field))
        validate(fragment)
        fragment.save()
    return Status(201 if created else 200, _answer(response, fragment))


@router.patch(
    "/fragments/{name}",
    response={200: FragmentOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def patch_fragment(
    request: HttpRequest, response: HttpResponse, payload: FragmentIn, name: str = FragmentName
):
    """Change the settings given; the others keep their values."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        check_preconditions(request, _etag(fragment), f"fragment {name}")
        for field, value in payload.model_dump(exclude_unset=True).items():
            setattr(fragment, field, value)
        validate(fragment)
        fragment.save()
    return _answer(response, fragment)


@router.delete(
    "/fragments/{name}",
    response={204: None, 404: Problem, 409: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def delete_fragment(request: HttpRequest, name: str = FragmentName):
    """Remove a fragment and its instances. One still placed on a page is refused (409):
    remove its placements first, so that no page loses a slot by surprise."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        check_preconditions(request, _etag(fragment), f"fragment {name}")
        pages = sorted(set(fragment.placements.values_list("page__name", flat=True)))
        if pages:
            raise HttpError(409, f"fragment {name} is placed on pages {', '.join(pages)}")
        fragment.delete()
    return Status(204, None)


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


@router.get("/fragments/{name}/traffic", response={200: TrafficOut, 404: Problem, **ERRORS})
def traffic(request: HttpRequest, name: str = FragmentName):
    """How the fragment's traffic is split between its live versions."""
    return _traffic(get_object_or_404(Fragment, name=name))


@router.put(
    "/fragments/{name}/traffic",
    response={200: TrafficOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def set_traffic(request: HttpRequest, payload: TrafficIn, name: str = FragmentName):
    """Pin a version and/or give a canary version a share of visitors (deploys use this).
    The body is the whole setting: a field left out is reset to its default. `If-Match`
    takes the fragment's ETag: a deploy cannot undo a rollback it has not seen."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        check_preconditions(request, _etag(fragment), f"fragment {name}")
        for field in TRAFFIC_FIELDS:
            setattr(fragment, field, getattr(payload, field))
        validate(fragment, only=TRAFFIC_FIELDS)
        fragment.save()
    return _traffic(fragment)


@router.put(
    "/fragments/{name}/breaker",
    response={200: BreakerOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def set_breaker(request: HttpRequest, payload: BreakerIn, name: str = FragmentName):
    """Force the fragment's circuit breaker on every shell: "open" sends every page straight
    to the fallback chain, "closed" disables the breaker, "" leaves it to decide. Shells
    apply it from their next snapshot. Answers with the fragment's breaker settings."""
    with transaction.atomic():
        fragment = get_object_or_404(Fragment.objects.select_for_update(), name=name)
        check_preconditions(request, _etag(fragment), f"fragment {name}")
        fragment.breaker_forced = payload.forced
        validate(fragment, only=("breaker_forced",), fields={"breaker_forced": "forced"})
        fragment.save()
    return BreakerOut(fragment=fragment.name, **fragment.breaker_settings())
