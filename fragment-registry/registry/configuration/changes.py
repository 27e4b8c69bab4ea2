"""Applying a configuration document: the registry made to hold it in one transaction,
through the models' `full_clean()` (the admin's and the API's rules), and the steps that took
for the operator to read (`diff`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from registry import audit
from registry.configuration.document import (
    FRAGMENT_FIELDS,
    INSTANCE_FIELDS,
    PAGE_KEYS,
    PLACEMENT_KEYS,
    Configuration,
    Invalid,
    PageSpec,
    PlacementSpec,
    join,
)
from registry.models import Fragment, Instance, Page, Placement
from registry.validators import within

Action = Literal["create", "change", "remove", "keep"]
_SIGNS: dict[Action, str] = {"create": "+", "change": "~", "remove": "-", "keep": "="}


@dataclass(frozen=True)
class Step:
    """One change `apply` made (or, in a dry run, would make), for the operator to read."""

    action: Action
    kind: str  # fragment | instance | page | placement
    target: str
    details: tuple[str, ...] = ()  # "timeout_ms: 500 → 400", or why a removal is skipped

    def __str__(self) -> str:
        lines = [f"{_SIGNS[self.action]} {self.kind} {self.target}"]
        return "\n".join([*lines, *(f"    {detail}" for detail in self.details)])


def diff(steps: list[Step]) -> str:
    """The steps as the operator reads them, and how many of each."""
    if not steps:
        return "no changes"
    counts = {a: sum(s.action == a for s in steps) for a in ("create", "change", "remove")}
    summary = ", ".join(f"{n} to {a}" for a, n in counts.items() if n)
    return "\n".join([*map(str, steps), summary or "nothing to change"])


def apply(
    configuration: Configuration,
    *,
    actor: str,
    prune: bool = False,
    dry_run: bool = False,
    create_only: bool = False,
) -> list[Step]:
    """Make the registry hold `configuration`, in one transaction, as `actor` in the history.

    Objects the configuration does not name are kept, unless `prune`: then they are removed,
    except self-registered instances (and a fragment that still has some). `create_only`
    creates what is missing and changes nothing that exists (what `seed` does). A `dry_run`
    checks and computes everything and writes nothing. Raises Invalid, having written
    nothing, when any object breaks a rule of the models.
    """
    if prune and create_only:
        raise ValueError("create_only never removes anything: no prune with it")
    token = audit.actor.set(actor)
    try:
        with transaction.atomic():
            steps = list(_Apply(configuration, prune=prune, create_only=create_only).run())
            if dry_run:
                transaction.set_rollback(True)
    finally:
        audit.actor.reset(token)
    return steps


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


class _Apply:
    """One application of a configuration, inside `apply`'s transaction."""

    def __init__(self, configuration: Configuration, *, prune: bool, create_only: bool) -> None:
        self.configuration = configuration
        self.prune = prune
        self.create_only = create_only

    def run(self) -> Iterator[Step]:
        urls = self._instance_urls()
        if self.prune:  # first, so a renamed page may take its old route
            yield from self._prune(urls)
        for spec in self.configuration.fragments:
            fragment = Fragment.objects.filter(name=spec.name).first() or Fragment(name=spec.name)
            yield from self._put(fragment, spec.values, spec.path, spec.name)
            for instance in spec.instances:
                url = urls[instance.path]
                found = Instance.objects.filter(fragment=fragment, base_url=url).first()
                values = {**instance.values, "manual": True}
                yield from self._put(
                    found or Instance(fragment=fragment, base_url=url),
                    values,
                    instance.path,
                    f"{spec.name} {url}",
                )
        named = {s.name for s in self.configuration.fragments}
        fragments = {f.name: f for f in Fragment.objects.all() if f.name in named or not self.prune}
        for spec in self.configuration.pages:
            page = Page.objects.filter(name=spec.name).first() or Page(name=spec.name)
            yield from self._put(page, spec.values, spec.path, spec.name)
            yield from self._placements(page, spec, fragments)

    def _instance_urls(self) -> dict[str, str]:
        """Each instance's base URL in its canonical form (how it is stored and found)."""
        field, urls, problems = Instance._meta.get_field("base_url"), {}, []
        for fragment in self.configuration.fragments:
            for instance in fragment.instances:
                try:
                    urls[instance.path] = field.clean(instance.base_url, None)
                except ValidationError as exc:
                    problems += [f"{instance.path}.base_url: {m}" for m in exc.messages]
        if problems:
            raise Invalid(problems)
        return urls

    def _put(
        self, obj: models.Model, values: dict[str, Any], path: str, target: str
    ) -> Iterator[Step]:
        """Give `obj` the `values`, check it by the models' rules, save it if it is new or
        its (canonical) values changed."""
        kind = type(obj).__name__.lower()
        created = obj._state.adding
        if self.create_only and not created:
            return
        before = {name: getattr(obj, name) for name in values}
        for name, value in values.items():
            setattr(obj, name, value)
        _check(obj, path)
        after = {name: getattr(obj, name) for name in values}
        if created:
            fields = type(obj)._meta
            details = tuple(
                f"{name}: {_show(value)}"
                for name, value in after.items()
                if value != fields.get_field(name).get_default() and name != "manual"
            )
            obj.save()
            yield Step("create", kind, target, details)
        elif changed := [n for n in values if before[n] != after[n]]:
            obj.save()
            details = tuple(f"{n}: {_show(before[n])} → {_show(after[n])}" for n in changed)
            yield Step("change", kind, target, details)

    def _placements(
        self, page: Page, spec: PageSpec, fragments: dict[str, Fragment]
    ) -> Iterator[Step]:
        existing = {
            (p.slot, p.fragment.name): p for p in page.placements.select_related("fragment")
        }
        slots: dict[str, list[PlacementSpec]] = {}
        for placement in spec.placements:
            slots.setdefault(placement.slot, []).append(placement)
        for slot, specs in slots.items():
            found = [existing.get((slot, s.fragment)) for s in specs]
            orders = [p.order if p else -1 for p in found]
            # The order the file gives is the order already stored: leave the numbers be.
            keep = min(orders) >= 0 and all(a < b for a, b in pairwise(orders))
            for index, (placement, stored) in enumerate(zip(specs, found, strict=True)):
                fragment = fragments.get(placement.fragment)
                if fragment is None:
                    raise Invalid([f"{placement.path}.fragment: {self._unknown(placement)}"])
                obj = stored or Placement(page=page, slot=slot, fragment=fragment)
                values = {"order": obj.order if keep else index, "params": placement.params}
                target = f"{placement.fragment} in {spec.name}/{slot}"
                yield from self._put(obj, values, placement.path, target)

    def _unknown(self, placement: PlacementSpec) -> str:
        where = "in this file" if self.prune else "in this file or the registry"
        return f"no fragment {placement.fragment!r} {where}"

    def _prune(self, urls: dict[str, str]) -> Iterator[Step]:
        """Remove what the configuration does not name; self-registered instances stay."""
        pages = {spec.name: spec for spec in self.configuration.pages}
        for page in Page.objects.prefetch_related("placements__fragment"):
            spec = pages.get(page.name)
            if spec is None:
                count = page.placements.count()
                page.delete()
                yield Step("remove", "page", page.name, (f"with its {count} placements",))
                continue
            wanted = {(p.slot, p.fragment) for p in spec.placements}
            for placement in page.placements.all():
                if (placement.slot, placement.fragment.name) not in wanted:
                    placement.delete()
                    target = f"{placement.fragment.name} in {page.name}/{placement.slot}"
                    yield Step("remove", "placement", target)
        named = {(f.name, urls[i.path]) for f in self.configuration.fragments for i in f.instances}
        for instance in Instance.objects.filter(manual=True).select_related("fragment"):
            if (instance.fragment.name, instance.base_url) not in named:
                instance.delete()
                yield Step("remove", "instance", f"{instance.fragment.name} {instance.base_url}")
        fragments = {spec.name for spec in self.configuration.fragments}
        for fragment in Fragment.objects.exclude(name__in=fragments):
            if running := fragment.instances.filter(manual=False).count():
                reason = (
                    f"kept: it has self-registered instances ({running}), which are never pruned"
                )
                yield Step("keep", "fragment", fragment.name, (reason,))
            else:
                fragment.delete()
                yield Step("remove", "fragment", fragment.name)


def _check(obj: models.Model, path: str) -> None:
    """The models' rules (the admin's and the API's), each error at its place in the file."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        problems = []
        for field, errors in exc.error_dict.items():
            # A field the document has a key for, else the object itself (its name, the
            # whole object's rules); within the field, where its validator says (a title's
            # language: `pages.home.titles.ko`).
            at = join(path, field) if field in _DOCUMENT_KEYS else path
            for error in errors:
                place = ".".join([at, *within(error)])
                problems += [f"{place}: {message}" for message in error]
        raise Invalid(problems) from None


#: The model fields that are keys of the document under their own name.
_DOCUMENT_KEYS = frozenset(
    {*FRAGMENT_FIELDS, "base_url", *INSTANCE_FIELDS, *PAGE_KEYS, *PLACEMENT_KEYS}
) - {NON_FIELD_ERRORS, "fragment"}
