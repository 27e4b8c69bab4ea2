"""The snapshot shells poll: everything needed to compose every page, with a content ETag."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.models import Fragment, Instance, Page
from registry.validators import names, validate_instance_url

logger = logging.getLogger("tessera.registry")


def _allowed_now(instance: Instance) -> bool:
    """Whether the instance's URL passes the SSRF guard as it is configured now: a row stored
    before a rule was tightened (or by an older registry) is not handed to shells."""
    try:
        validate_instance_url(instance.base_url)
    except ValidationError as exc:
        logger.warning(
            "instance left out of the snapshot",
            extra={"instance": str(instance), "reason": " ".join(exc.messages)},
        )
        return False
    return True


def build_snapshot(now: datetime | None = None) -> dict[str, Any]:
    """Enabled fragments with their live instances (`Instance.is_up` at `now`: the API's and
    the admin's rule too), and every page with its placements (and its titles by language,
    when it has any)."""
    now = now or timezone.now()
    fragments = []
    enabled = set()
    for fragment in Fragment.objects.filter(enabled=True).prefetch_related("instances"):
        enabled.add(fragment.id)
        live = [i for i in fragment.instances.all() if i.is_up(now) and _allowed_now(i)]
        stable, canary, percent = fragment.routing([i.version for i in live])
        fragments.append(
            {
                "name": fragment.name,
                "path_template": fragment.path_template,
                "timeout_ms": fragment.timeout_ms,
                "primary": fragment.primary,
                "required": fragment.required,
                "async": fragment.is_async,
                "fallback_url": fragment.fallback_url,
                "fallback_html": fragment.fallback_html,
                "forward_headers": [h.lower() for h in names(fragment.forward_headers)],
                "cookies": names(fragment.cookies),
                "max_body_bytes": fragment.max_body_bytes,
                "cache": {
                    "max_age": fragment.cache_max_age,
                    "stale_if_error": fragment.cache_stale_if_error,
                },
                "breaker": fragment.breaker_settings(),
                "max_in_flight": fragment.max_in_flight,
                "instances": [
                    {"base_url": i.base_url, "version": i.version, "weight": i.weight} for i in live
                ],
                "routing": {"stable": stable, "canary": canary, "canary_percent": percent},
            }
        )
    pages = []
    for page in Page.objects.prefetch_related("placements__fragment"):
        slots: dict[str, list[str]] = {}
        params: dict[str, dict[str, dict[str, str]]] = {}
        for placement in page.placements.all():
            if placement.fragment_id in enabled:
                slots.setdefault(placement.slot, []).append(placement.fragment.name)
                if placement.params:
                    params.setdefault(placement.slot, {})[placement.fragment.name] = dict(
                        placement.params
                    )
        entry = {
            "name": page.name,
            "route": page.route,
            "layout": page.layout,
            "title": page.title,
            "slots": slots,
        }
        if params:  # only where a placement has its own: older shells never see the key
            entry["params"] = params
        if page.titles:  # only pages that have any: every shell downloads every page
            entry["titles"] = dict(page.titles)
        pages.append(entry)
    return {"fragments": fragments, "pages": pages}


def encode(snapshot: dict[str, Any]) -> tuple[bytes, str]:
    """The snapshot's JSON body and its strong ETag (a hash of exactly that body)."""
    body = json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
