"""Layouts: shells publish the layouts they have and their slots (when they start, and when a
layout file changes); pages and placements are checked against them."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Router, Status
from ninja.errors import HttpError

from registry.api.common import ERRORS, WRITE_ERRORS, RegistryToken, validate
from registry.models import Layout, Page, Placement
from registry.schemas import LayoutIn, LayoutOut, Problem
from registry.validators import LAYOUT

router = Router(tags=["layouts"])

LayoutName = Path(..., pattern=f"^{LAYOUT}$", example="home.html")


def _out(layout: Layout) -> LayoutOut:
    return LayoutOut(
        name=layout.name,
        slots=list(layout.slots),
        published_at=layout.published_at,
        pages=list(Page.objects.filter(layout=layout.name).values_list("name", flat=True)),
    )


@router.get("/layouts", response=list[LayoutOut])
def list_layouts(request: HttpRequest):
    """Every layout the shells have published, with its slots."""
    return [_out(layout) for layout in Layout.objects.all()]


@router.get("/layouts/{name}", response={200: LayoutOut, 404: Problem, **ERRORS})
def get_layout(request: HttpRequest, name: str = LayoutName):
    """One layout and the pages using it."""
    return _out(get_object_or_404(Layout, name=name))


@router.put(
    "/layouts/{name}",
    response={200: LayoutOut, 201: LayoutOut, 409: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def publish_layout(request: HttpRequest, payload: LayoutIn, name: str = LayoutName):
    """A shell publishes a layout it has (201 when new). A layout that no longer has a slot
    some page places fragments in is refused (409, naming them), as deleting a layout in
    use is: accepted, it would leave those pages unsaveable by every later edit. The shell
    publishes again on its next look, once an operator has moved those placements."""
    with transaction.atomic():
        layout = Layout.objects.select_for_update().filter(name=name).first()
        created = layout is None
        layout = layout or Layout(name=name)
        if created or list(layout.slots) != payload.slots:  # unchanged: no history entry
            stranded = sorted(
                f"{page}: {slot}"
                for page, slot in Placement.objects.filter(page__layout=name)
                .exclude(slot__in=payload.slots)
                .values_list("page__name", "slot")
                .distinct()
            )
            if stranded:
                raise HttpError(
                    409,
                    f"layout {name} would lose slots that pages place fragments in "
                    f"({'; '.join(stranded)}): move those placements first",
                )
            layout.slots, layout.published_at = payload.slots, timezone.now()
            validate(layout)
            layout.save()
    return Status(201 if created else 200, _out(layout))


@router.delete(
    "/layouts/{name}",
    response={204: None, 404: Problem, 409: Problem, **WRITE_ERRORS},
    auth=RegistryToken(),
)
def delete_layout(request: HttpRequest, name: str = LayoutName):
    """Forget a layout no page uses (409 while one does)."""
    with transaction.atomic():
        layout = get_object_or_404(Layout.objects.select_for_update(), name=name)
        pages = list(Page.objects.filter(layout=name).values_list("name", flat=True))
        if pages:
            raise HttpError(409, f"layout {name} is used by pages {', '.join(sorted(pages))}")
        layout.delete()
    return Status(204, None)
