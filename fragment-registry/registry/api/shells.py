"""What shells ask and tell: the snapshot they compose pages from, and their reports on
their circuit breakers and traffic."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from registry.api.common import WRITE_ERRORS, RegistryToken, validate
from registry.models import ShellReport
from registry.schemas import ShellReportIn, Snapshot
from registry.snapshot import build_snapshot, encode

router = Router(tags=["shells"])


@router.get("/snapshot", response={200: Snapshot, 304: None}, by_alias=True)
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


@router.post("/shells/report", response={204: None, **WRITE_ERRORS}, auth=RegistryToken())
def shell_report(request: HttpRequest, payload: ShellReportIn):
    """A shell's report on its circuit breakers and its recent traffic to each fragment
    (about every 2 s): it replaces that shell's previous report. Fragments the registry does
    not know are kept as reported. Not recorded in the audit history."""
    validate(ShellReport(shell=payload.shell), only=("shell",))
    ShellReport.record(
        payload.shell,
        {name: entry.model_dump() for name, entry in payload.fragments.items()},
        traffic={
            name: [list(point) for point in series] for name, series in payload.traffic.items()
        },
        interval_s=payload.interval_s,
    )
    return Status(204, None)
