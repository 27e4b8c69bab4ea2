"""Planning a page: which fragment fills which slot, fetched from which path.

The plan is the engine's input: it does not care whether pages come from a local table or
the registry snapshot. Building one is cheap and pure, so it happens per request. The
shell's own error pages are planned here too, one way: the error's layout with the header
and footer of the page they stand for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.utils import translation
from django.utils.translation import gettext_noop

from shell.engine.config import FragmentConfig
from shell.engine.layout import Layout, Slot, load_layout
from shell.engine.routing import Page

#: The shell's own error pages: their titles (layouts are `<status>.html`), translated by
#: `error_title`.
ERROR_TITLES = {
    400: gettext_noop("Bad request"),
    404: gettext_noop("Page not found"),
    503: gettext_noop("Temporarily unavailable"),
}
#: What an error page keeps of the page it stands for.
KEPT_SLOTS = ("header", "footer")

#: What a step of a plan (`Plan.steps`) is: static text, a slot's placements, or a marker.
TEXT, SLOT, TITLE, DESCRIPTION, ASSETS, TAIL, LANG = range(7)
_MARKERS = {
    "title": TITLE, "description": DESCRIPTION, "assets": ASSETS, "tail": TAIL, "lang": LANG,
}  # fmt: skip
Step = tuple[int, "str | tuple[Placement, ...] | None"]
#: Text and marker steps, each kept once (see `_steps`); as many as layouts have texts.
_SHARED_STEPS: dict[Step, Step] = {}


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


@dataclass(frozen=True, slots=True)  # slots: a shell holds thousands of plans
class Plan:
    page: Page
    layout: Layout
    slots: Mapping[str, tuple[Placement, ...]]
    placements: tuple[Placement, ...]  # document order
    primary: Placement | None
    blocking: tuple[Placement, ...]  # the primary and required ones: known before first byte
    params: Mapping[str, str]  # the route's parameters (URL-quoted)
    #: The layout's parts as the stream walks them (see `_steps`).
    steps: tuple[Step, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _steps(self.layout, self.slots))


def _steps(layout: Layout, slots: Mapping[str, tuple[Placement, ...]]) -> tuple[Step, ...]:
    """The layout's parts as the stream walks them, once per plan: each slot with its
    placements looked up (an empty one left out, the text around it joined), each marker as
    its kind. The text and marker steps are the same for every plan of a layout: one copy of
    each serves them all (a shell holds thousands of plans, one per product)."""
    steps: list[Step] = []
    for part in layout.parts:
        if isinstance(part, str):
            if steps and steps[-1][0] == TEXT:
                steps[-1] = (TEXT, f"{steps[-1][1]}{part}")
            else:
                steps.append((TEXT, part))
        elif isinstance(part, Slot):
            if placements := slots.get(part.name, ()):
                steps.append((SLOT, placements))
        else:
            steps.append((_MARKERS[part.name], None))
    return tuple(
        step if step[0] == SLOT else _SHARED_STEPS.setdefault(step, step) for step in steps
    )


def make_plan(
    page: Page,
    params: Mapping[str, str],
    fragments: Mapping[str, FragmentConfig],
    language: str = "en",
) -> Plan:
    """Plan `page` for route `params` with the fragments currently known, its layout's
    words in `language`."""
    layout = load_layout(page.layout, language)
    slots: dict[str, tuple[Placement, ...]] = {}
    placements: list[Placement] = []
    for slot in layout.slots:
        in_slot = []
        for name in page.slots.get(slot, ()):
            config = fragments.get(name)
            fixed = page.fixed.get((slot, name))
            try:
                path = config.path({**params, **fixed} if fixed else params) if config else ""
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
    """Reuses plans: a plan depends only on the page, its parameters, the fragments and the
    page's language.

    The cache empties itself whenever a different fragments mapping (a new registry
    snapshot) is passed in, and when it is full.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._fragments: Mapping[str, FragmentConfig] | None = None
        self._plans: dict[tuple[str, str, tuple[tuple[str, str], ...]], Plan] = {}

    def get(
        self,
        page: Page,
        params: Mapping[str, str],
        fragments: Mapping[str, FragmentConfig],
        language: str = "en",
    ) -> Plan:
        if fragments is not self._fragments:
            self._plans.clear()
            self._fragments = fragments
        key = (page.name, language, tuple(params.items()))
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= self.size:
                self._plans.clear()
            plan = self._plans[key] = make_plan(page, params, fragments, language)
        return plan


@cache
def error_title(status: int, language: str) -> str:
    """The title of the shell's error page for `status`, in `language`."""
    with translation.override(language):
        return translation.gettext(ERROR_TITLES[status])


def error_page(
    status: int, route: str, slots: Mapping[str, Sequence[str]], language: str = "en"
) -> Page:
    """The shell's error page for `route` in `language`, keeping the header and footer of
    `slots`."""
    kept = {slot: tuple(slots[slot]) for slot in KEPT_SLOTS if slot in slots}
    # Named so that no registry page (lower-case letters, digits, `-`) shares its plans.
    title = error_title(status, language)
    return Page(f"shell:{status}", route, f"{status}.html", title, kept, status)


def error_plan(plan: Plan, status: int, language: str = "en") -> Plan:
    """`plan` turned into the shell's error page for `status` in `language`: the same
    header and footer placements (already being fetched), nothing else."""
    if plan.page.status == status:
        return plan
    kept = {slot: plan.slots[slot] for slot in KEPT_SLOTS if slot in plan.slots}
    names = {slot: [p.name for p in placements] for slot, placements in kept.items()}
    page = error_page(status, plan.page.route, names, language)
    layout = load_layout(page.layout, language)
    placements = tuple(p for slot in layout.slots for p in kept.get(slot, ()))
    return Plan(page, layout, kept, placements, None, (), plan.params)
