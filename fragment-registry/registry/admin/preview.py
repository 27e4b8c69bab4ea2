"""A fragment previewed through the shell (`/_fragment/<name>`), with the parameter values
an operator chooses."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings

from registry.models import (
    Fragment,
)
from tessera.runtime.contract import ROUTE_PLACEHOLDER

#: Seconds a shell may take to pick up a fragment saved here: shells poll the registry's
#: snapshot every second by default (the shell's TESSERA_SNAPSHOT_POLL_INTERVAL), and until
#: then one answers a new fragment's preview "no such fragment".
SHELL_PICKUP_S = 3


#: The change page's query parameters choosing preview values: `preview-<parameter>=<value>`.
PREVIEW_QUERY = "preview-"


#: What a `{sku}` parameter is previewed with until the operator chooses: a product the
#: catalog has.
SAMPLE_SKU = "SKU-1001"


def preview_values(fragment: Fragment, chosen: Mapping[str, str]) -> dict[str, str]:
    """Each of the fragment's path parameters, in the template's order, with the value its
    preview uses: the operator's choice, else the first value a placement of it fixes, else
    `SAMPLE_SKU` for a parameter named sku, else empty (left out of the URL: the shell leaves
    a query parameter empty, and asks for a path parameter)."""
    names = dict.fromkeys(name for name, _ in ROUTE_PLACEHOLDER.findall(fragment.path_template))
    placed: dict[str, str] = {}
    for params in fragment.placements.values_list("params", flat=True):
        for name, value in (params or {}).items():
            placed.setdefault(name, value)
    fallback = {"sku": SAMPLE_SKU}
    return {
        name: chosen[name] if name in chosen else placed.get(name, fallback.get(name, ""))
        for name in names
    }


def preview_url(name: str, values: Mapping[str, str]) -> str:
    """The shell's `/_fragment/<name>` URL for these parameter values, empty ones left out."""
    url = f"{settings.SHELL_URL}/_fragment/{name}"
    query = urlencode({k: v for k, v in values.items() if v})
    return f"{url}?{query}" if query else url
