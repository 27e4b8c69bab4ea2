"""The snapshot shells poll: everything needed to compose pages, with a content ETag."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone

from registry.models import Fragment, heartbeat_ttl


def build_snapshot() -> dict[str, Any]:
    """Every enabled fragment with its settings and its live (heartbeating) instances."""
    cutoff = timezone.now() - heartbeat_ttl()
    fragments = []
    for fragment in Fragment.objects.filter(enabled=True).prefetch_related("instances"):
        fragments.append(
            {
                "name": fragment.name,
                "path_template": fragment.path_template,
                "timeout_ms": fragment.timeout_ms,
                "primary": fragment.primary,
                "required": fragment.required,
                "fallback_html": fragment.fallback_html,
                "instances": [
                    {"base_url": i.base_url, "version": i.version}
                    for i in fragment.instances.all()
                    if i.last_heartbeat >= cutoff
                ],
            }
        )
    return {"fragments": fragments}


def encode(snapshot: dict[str, Any]) -> tuple[bytes, str]:
    """The snapshot's JSON body and its strong ETag (a hash of exactly that body)."""
    body = json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
