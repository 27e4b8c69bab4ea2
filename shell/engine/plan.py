"""Planning a page: which fragment fills which slot, fetched from which path.

The plan is the engine's input: it does not care whether pages come from a local table or
the registry snapshot. Building one is cheap and pure, so it happens per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shell.engine.config import FragmentConfig
from shell.engine.layout import Layout, load_layout
from shell.engine.routing import Page


@dataclass(frozen=True, slots=True, eq=False)  # identity: each placement is unique
class Placement:
    """One fragment in one slot of one page."""

    name: str
    config: FragmentConfig | None  # None: not registered, or disabled
    path: str
    index: int  # position in document order; names the async placeholder

    @property
    def is_async(self) -> bool:
        return self.config is not None and self.config.is_async and not self.config.primary


@dataclass(frozen=True)
class Plan:
    page: Page
    layout: Layout
    slots: Mapping[str, tuple[Placement, ...]]
    placements: tuple[Placement, ...]  # document order
    primary: Placement | None
    blocking: tuple[Placement, ...]  # the primary and required ones: known before first byte
    params: Mapping[str, str]  # the route's parameters (URL-quoted)


def make_plan(
    page: Page, params: Mapping[str, str], fragments: Mapping[str, FragmentConfig]
) -> Plan:
    """Plan `page` for route `params` with the fragments currently known."""
    layout = load_layout(page.layout)
    slots: dict[str, tuple[Placement, ...]] = {}
    placements: list[Placement] = []
    for slot in layout.slots:
        in_slot = []
        for name in page.slots.get(slot, ()):
            config = fragments.get(name)
            try:
                path = config.path(params) if config else ""
            except (KeyError, IndexError, ValueError):
                config, path = None, ""  # its path needs a parameter this route lacks
            placement = Placement(name, config, path, len(placements))
            in_slot.append(placement)
            placements.append(placement)
        slots[slot] = tuple(in_slot)
    primary = next((p for p in placements if p.config and p.config.primary), None)
    blocking = tuple(p for p in placements if p.config and (p.config.primary or p.config.required))
    return Plan(page, layout, slots, tuple(placements), primary, blocking, params)


class PlanCache:
    """Reuses plans: a plan depends only on the page, its parameters and the fragments.

    The cache empties itself whenever a different fragments mapping (a new registry
    snapshot) is passed in, and when it is full.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._fragments: Mapping[str, FragmentConfig] | None = None
        self._plans: dict[tuple[str, tuple[tuple[str, str], ...]], Plan] = {}

    def get(
        self, page: Page, params: Mapping[str, str], fragments: Mapping[str, FragmentConfig]
    ) -> Plan:
        if fragments is not self._fragments:
            self._plans.clear()
            self._fragments = fragments
        key = (page.name, tuple(params.items()))
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= self.size:
                self._plans.clear()
            plan = self._plans[key] = make_plan(page, params, fragments)
        return plan
