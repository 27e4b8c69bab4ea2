"""Pages and their placements: a page read and written whole with its placements (one ETag
covers both, so a page is changed as one piece), or one placement at a time."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from registry.api.common import (
    CONDITIONAL,
    CONDITIONAL_WRITE_ERRORS,
    ERRORS,
    MAX_ID,
    RegistryToken,
    check_preconditions,
    etag,
    refuse,
    validate,
)
from registry.models import Fragment, Page, Placement
from registry.schemas import PageIn, PageOut, PagePatch, PlacementIn, PlacementOut, Problem
from registry.validators import NAME

router = Router(tags=["pages"])

PageName = Path(..., pattern=f"^{NAME}$", example="product")
PlacementId = Path(..., ge=1, le=MAX_ID, example=1)
PAGE_FIELDS = ("route", "layout", "title", "titles")


def _placement_out(placement: Placement) -> PlacementOut:
    return PlacementOut(
        id=placement.id,
        page=placement.page.name,
        slot=placement.slot,
        fragment=placement.fragment.name,
        order=placement.order,
        params=placement.params,
    )


def _page_out(page: Page) -> PageOut:
    placements = page.placements.select_related("fragment", "page")
    return PageOut(
        name=page.name,
        route=page.route,
        layout=page.layout,
        title=page.title,
        titles=page.titles,
        placements=[_placement_out(p) for p in placements],
    )


def _page_etag(page: Page) -> str:
    """The page with its placements, ids left out: the same page written again is the same."""
    out = _page_out(page).model_dump()
    for placement in out["placements"]:
        del placement["id"]
    return etag(out)


def _placement_etag(placement: Placement) -> str:
    return etag(_placement_out(placement).model_dump(exclude={"id"}))


def _fragment(name: str, *at: str | int) -> Fragment:
    fragment = Fragment.objects.filter(name=name).first()
    if fragment is None:
        raise refuse(f"no fragment {name!r}: create it first (PUT /api/v1/fragments/{name})", *at)
    return fragment


def _set_placements(page: Page, wanted: Sequence[PlacementIn]) -> None:
    """Make `page`'s placements `wanted`: those kept are changed in place, the others
    removed or created, each validated by the model's rules (the slot against the layout,
    the path's parameters against the route), so the history shows only what changed."""
    existing = {(p.slot, p.fragment.name): p for p in page.placements.select_related("fragment")}
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(wanted):
        key = (item.slot, item.fragment)
        if key in seen:
            raise refuse(f"{item.fragment} is in slot {item.slot} twice", "placements", index)
        seen.add(key)
        placement = existing.get(key) or Placement(
            page=page, slot=item.slot, fragment=_fragment(item.fragment, "placements", index)
        )
        placement.order, placement.params = item.order, item.params
        validate(placement, exclude=("page", "fragment"), at=("placements", index))
        placement.save()
    for key, placement in existing.items():
        if key not in seen:
            placement.delete()


def _answer(response: HttpResponse, page: Page) -> PageOut:
    response["ETag"] = _page_etag(page)
    return _page_out(page)


@router.get("/pages", response=list[PageOut])
def list_pages(request: HttpRequest):
    """Every page with its placements."""
    return [_page_out(page) for page in Page.objects.all()]


@router.get("/pages/{name}", response={200: PageOut, 404: Problem, **ERRORS})
def get_page(request: HttpRequest, response: HttpResponse, name: str = PageName):
    """One page with its placements; its `ETag` covers both."""
    return _answer(response, get_object_or_404(Page, name=name))


@router.put(
    "/pages/{name}",
    response={200: PageOut, 201: PageOut, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def put_page(request: HttpRequest, response: HttpResponse, payload: PageIn, name: str = PageName):
    """Create the page (201) or replace it (200) with exactly the placements given, in one
    transaction: a wrong slot or parameter anywhere leaves the page as it was."""
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(name=name).first()
        check_preconditions(request, page and _page_etag(page), f"page {name}")
        created = page is None
        page = page or Page(name=name)
        for field in PAGE_FIELDS:
            setattr(page, field, getattr(payload, field))
        validate(page, unique=True)
        page.save()
        _set_placements(page, payload.placements)
    return Status(201 if created else 200, _answer(response, page))


@router.patch(
    "/pages/{name}",
    response={200: PageOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def patch_page(
    request: HttpRequest, response: HttpResponse, payload: PagePatch, name: str = PageName
):
    """Change the fields given; `placements`, when given, replaces the page's placements."""
    given = payload.model_fields_set
    with transaction.atomic():
        page = get_object_or_404(Page.objects.select_for_update(), name=name)
        check_preconditions(request, _page_etag(page), f"page {name}")
        for field in PAGE_FIELDS:
            if field in given:
                setattr(page, field, getattr(payload, field))
        validate(page, unique=True)
        page.save()
        if "placements" in given:
            _set_placements(page, payload.placements)
        else:  # a new layout or route must still suit every placement
            for index, placement in enumerate(page.placements.select_related("fragment")):
                validate(placement, exclude=("page", "fragment"), at=("placements", index))
    return _answer(response, page)


@router.delete(
    "/pages/{name}",
    response={204: None, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def delete_page(request: HttpRequest, name: str = PageName):
    """Remove a page and its placements: shells stop serving its route."""
    with transaction.atomic():
        page = get_object_or_404(Page.objects.select_for_update(), name=name)
        check_preconditions(request, _page_etag(page), f"page {name}")
        page.delete()
    return Status(204, None)


@router.post(
    "/pages/{name}/placements",
    response={201: PlacementOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def add_placement(
    request: HttpRequest, response: HttpResponse, payload: PlacementIn, name: str = PageName
):
    """Place a fragment in a slot of the page (`If-Match` takes the page's ETag)."""
    with transaction.atomic():
        page = get_object_or_404(Page.objects.select_for_update(), name=name)
        check_preconditions(request, _page_etag(page), f"page {name}")
        placement = Placement(
            page=page,
            slot=payload.slot,
            fragment=_fragment(payload.fragment, "fragment"),
            order=payload.order,
            params=payload.params,
        )
        validate(placement, unique=True)
        placement.save()
    response["ETag"] = _placement_etag(placement)
    return Status(201, _placement_out(placement))


def _placement(name: str, placement_id: int, *, lock: bool = False) -> Placement:
    placements = Placement.objects.select_related("page", "fragment")
    if lock:
        placements = placements.select_for_update()
    return get_object_or_404(placements, id=placement_id, page__name=name)


@router.get(
    "/pages/{name}/placements/{placement_id}",
    response={200: PlacementOut, 404: Problem, **ERRORS},
)
def get_placement(
    request: HttpRequest,
    response: HttpResponse,
    name: str = PageName,
    placement_id: int = PlacementId,
):
    """One placement of the page, with its `ETag`."""
    placement = _placement(name, placement_id)
    response["ETag"] = _placement_etag(placement)
    return _placement_out(placement)


@router.put(
    "/pages/{name}/placements/{placement_id}",
    response={200: PlacementOut, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def put_placement(
    request: HttpRequest,
    response: HttpResponse,
    payload: PlacementIn,
    name: str = PageName,
    placement_id: int = PlacementId,
):
    """Move a placement (another slot or order), give it other parameters or another
    fragment."""
    with transaction.atomic():
        placement = _placement(name, placement_id, lock=True)
        check_preconditions(request, _placement_etag(placement), f"placement {placement_id}")
        placement.slot, placement.order = payload.slot, payload.order
        placement.params = payload.params
        if placement.fragment.name != payload.fragment:
            placement.fragment = _fragment(payload.fragment, "fragment")
        validate(placement, unique=True)
        placement.save()
    response["ETag"] = _placement_etag(placement)
    return _placement_out(placement)


@router.delete(
    "/pages/{name}/placements/{placement_id}",
    response={204: None, 404: Problem, **CONDITIONAL_WRITE_ERRORS},
    auth=RegistryToken(),
    openapi_extra=CONDITIONAL,
)
def delete_placement(request: HttpRequest, name: str = PageName, placement_id: int = PlacementId):
    """Take a fragment out of the page's slot."""
    with transaction.atomic():
        placement = _placement(name, placement_id, lock=True)
        check_preconditions(request, _placement_etag(placement), f"placement {placement_id}")
        placement.delete()
    return Status(204, None)
