"""The registry's snapshot document, read: the one place that knows its wire format.

A snapshot lists fragments (their settings and live instances with version and weight, and
how the registry routes traffic between versions) and pages (route, layout, title and titles
by language, slots).
Reading it gives the engine's own types: a `Site` of `Page`s and `FragmentConfig`s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from shell.engine import (
    DEFAULT_BREAKER,
    EMPTY_SITE,
    BreakerSettings,
    FragmentConfig,
    Page,
    Site,
    compile_route,
    load_layout,
    quoted,
    rotation,
)

logger = logging.getLogger("tessera.snapshot")

#: The breaker settings a snapshot carries (each a `BreakerSettings` field).
BREAKER_FIELDS = (
    "window_s",
    "min_calls",
    "failure_rate",
    "slow_rate",
    "slow_ms",
    "open_s",
    "half_open_calls",
    "forced",
)

#: An instance's weight when the snapshot gives none.
DEFAULT_WEIGHT = 100


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of the registry."""

    site: Site = EMPTY_SITE
    etag: str | None = None

    @property
    def fragments(self) -> Mapping[str, FragmentConfig]:
        return self.site.fragments

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], etag: str | None, previous: Snapshot | None = None
    ) -> Snapshot:
        """Read the registry's snapshot document; raises ValueError when malformed.

        `previous`, the snapshot this one follows, names the version that served last for a
        fragment that has no live instance now (the one its cached copies belong to).

        A fragment or page entry this shell cannot use (a setting it refuses, a layout or a
        route parameter kind it does not know) is left out and logged: one bad entry costs
        its own fragment or page, never every later change of the registry.
        """
        try:
            fragments = {}
            for entry in data["fragments"]:
                try:
                    config = fragment_config(entry)
                    if previous is not None and not config.stable_version:
                        config = _last_version(config, previous.fragments.get(config.name))
                except (AttributeError, KeyError, TypeError, ValueError) as exc:
                    logger.error(
                        "fragment left out", extra={"entry": _name(entry), "error": str(exc)}
                    )
                    continue
                fragments[config.name] = config
            pages = []
            for entry in data.get("pages", ()):
                try:
                    pages.append(page(entry))
                except Exception as exc:  # e.g. a layout this shell does not have
                    logger.error("page left out", extra={"entry": _name(entry), "error": str(exc)})
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed snapshot: {exc!r}") from None
        return cls(Site.build(pages, fragments), etag)


def fragment_config(entry: Mapping[str, Any]) -> FragmentConfig:
    """A fragment entry's settings and where its instances are, by the registry's routing."""
    cache = entry.get("cache") or {}
    return FragmentConfig(
        name=entry["name"],
        path_template=entry.get("path_template", "/fragment"),
        timeout_ms=int(entry.get("timeout_ms", FragmentConfig.timeout_ms)),
        primary=bool(entry.get("primary", False)),
        required=bool(entry.get("required", False)),
        is_async=bool(entry.get("async", False)),
        fallback_url=entry.get("fallback_url", ""),
        fallback_html=entry.get("fallback_html", ""),
        max_body_bytes=int(entry.get("max_body_bytes", FragmentConfig.max_body_bytes)),
        forward_headers=tuple(entry.get("forward_headers", ())),
        cookies=tuple(entry.get("cookies", ())),
        cache_max_age=int(cache.get("max_age", 0)),
        stale_if_error=int(cache.get("stale_if_error", 0)),
        breaker=_breaker(entry.get("breaker")),
        max_in_flight=int(entry.get("max_in_flight", FragmentConfig.max_in_flight)),
        **_routed_instances(entry),
    )


def _breaker(settings: Mapping[str, Any] | None) -> BreakerSettings:
    """The fragment's breaker settings; the defaults for a registry that sends none."""
    if not settings:
        return DEFAULT_BREAKER
    known = {name: settings[name] for name in BREAKER_FIELDS if name in settings}
    return BreakerSettings(**known)


def _last_version(config: FragmentConfig, before: FragmentConfig | None) -> FragmentConfig:
    """`config`, with no version routed now (no live instance), keeping the version that
    served before: the shell's cached copies are kept by version, and they are what may
    still stand in for the fragment."""
    if before is None or not before.stable_version:
        return config
    return replace(config, stable_version=before.stable_version)


def page(entry: Mapping[str, Any]) -> Page:
    """A page entry, checked against what this shell can serve (its layout, its route)."""
    load_layout(entry["layout"])
    compile_route(entry["route"])
    slots = {slot: tuple(names) for slot, names in entry["slots"].items()}
    fixed = {
        (slot, name): {key: quoted(str(value)) for key, value in values.items()}
        for slot, by_fragment in entry.get("params", {}).items()
        for name, values in by_fragment.items()
    }
    titles = entry.get("titles") or {}
    titles = {str(language): str(title) for language, title in titles.items() if title}
    return Page(
        entry["name"],
        entry["route"],
        entry["layout"],
        entry["title"],
        slots,
        fixed=fixed,
        titles=titles,
    )


def _weighted(instances: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The round-robin rotation of `instances` by their weights."""
    return rotation({i["base_url"]: int(i.get("weight", DEFAULT_WEIGHT)) for i in instances})


def _routed_instances(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The live instances split by the registry's routing between versions."""
    instances = entry.get("instances", ())
    routing = entry.get("routing")
    if routing is None:  # a registry that does not route between versions: all serve
        return {"instances": _weighted(instances)}
    stable, canary = set(routing.get("stable", ())), routing.get("canary", "")
    return {
        "stable_version": ",".join(sorted(stable)),
        "canary_version": canary,
        "instances": _weighted([i for i in instances if i["version"] in stable]),
        "canary_instances": _weighted([i for i in instances if canary == i["version"]]),
        "canary_percent": int(routing.get("canary_percent", 0)) if canary else 0,
        "standby_instances": tuple(
            i["base_url"] for i in instances if i["version"] not in stable | {canary}
        ),
    }


def _name(entry: Any) -> str:
    return str(entry.get("name")) if isinstance(entry, Mapping) else repr(entry)[:100]
