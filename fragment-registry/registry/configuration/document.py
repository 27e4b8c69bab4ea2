"""The configuration document: its parts (`Configuration`), how the registry's current state
becomes one (`export`, `dump`) and how a file becomes one (`load`, `parse`), with every problem
of shape named by its place in the file. The models' own rules come when it is applied
(registry.configuration.changes)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from django.db import models

from registry.models import Fragment, Instance, Layout, Page, Placement

#: The first line of every exported document.
HEADER = "# The fragment registry's configuration: `manage.py registry apply` makes it so.\n"

#: Fragment settings the document leaves to the registry's own tools: traffic between versions
#: (`deploy`, `rollback`) and a forced breaker (an incident's override) change while the
#: configuration stands still, and applying the configuration must not undo either.
RUNTIME_FIELDS = frozenset({"pinned_version", "canary_version", "canary_percent", "breaker_forced"})

#: A fragment's settings in the document: each field an operator edits, by its model name.
FRAGMENT_FIELDS: dict[str, models.Field] = {
    f.name: f
    for f in Fragment._meta.concrete_fields
    if f.editable and not f.primary_key and f.name != "name" and f.name not in RUNTIME_FIELDS
}
INSTANCE_FIELDS: dict[str, models.Field] = {
    name: Instance._meta.get_field(name) for name in ("version", "weight")
}
PAGE_KEYS = ("route", "layout", "title", "titles", "placements")
PLACEMENT_KEYS = ("slot", "fragment", "params")


class Invalid(Exception):
    """A document the registry does not take: one `place: reason` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class InstanceSpec:
    path: str
    base_url: str
    values: dict[str, Any]  # version, weight


@dataclass(frozen=True)
class FragmentSpec:
    path: str
    name: str
    values: dict[str, Any]  # every FRAGMENT_FIELDS setting, defaults filled in
    instances: tuple[InstanceSpec, ...]


@dataclass(frozen=True)
class PlacementSpec:
    path: str
    slot: str
    fragment: str
    params: dict[str, str]


@dataclass(frozen=True)
class PageSpec:
    path: str
    name: str
    values: dict[str, Any]  # route, layout, title, titles (language -> title)
    placements: tuple[PlacementSpec, ...]


@dataclass(frozen=True)
class Configuration:
    """A checked document: what `apply` makes the registry hold."""

    fragments: tuple[FragmentSpec, ...]
    pages: tuple[PageSpec, ...]


def export() -> dict[str, Any]:
    """The registry's configuration as a document, in a stable order: fragments and pages by
    name, a page's titles by language, its placements by its layout's slots and then their
    order."""
    fragments: dict[str, Any] = {}
    manual = Instance.objects.filter(manual=True).order_by("base_url")
    query = Fragment.objects.order_by("name")
    for fragment in query.prefetch_related(models.Prefetch("instances", queryset=manual)):
        entry = _changed(fragment, FRAGMENT_FIELDS)
        instances = [
            {"base_url": i.base_url, **_changed(i, INSTANCE_FIELDS)}
            for i in fragment.instances.all()
        ]
        if instances:
            entry["instances"] = instances
        fragments[fragment.name] = entry
    layouts = dict(Layout.objects.values_list("name", "slots"))
    pages: dict[str, Any] = {}
    for page in Page.objects.order_by("name").prefetch_related("placements__fragment"):
        entry: dict[str, Any] = {"route": page.route, "layout": page.layout, "title": page.title}
        if page.titles:  # by language: the same document whatever order they were given in
            entry["titles"] = dict(sorted(page.titles.items()))
        placements = [
            {
                "slot": p.slot,
                "fragment": p.fragment.name,
                **({"params": p.params} if p.params else {}),
            }
            for p in _layout_order(page.placements.all(), layouts.get(page.layout) or [])
        ]
        if placements:
            entry["placements"] = placements
        pages[page.name] = entry
    return {"fragments": fragments, "pages": pages}


def dump(document: dict[str, Any]) -> str:
    """The document as YAML, keys in the order given."""
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _layout_order(placements: Iterable[Placement], slots: list[str]) -> list[Placement]:
    """Placements slot by slot as the layout lists its slots (others after), then by order."""

    def position(p: Placement) -> tuple[int, str, int, int]:
        return (slots.index(p.slot) if p.slot in slots else len(slots)), p.slot, p.order, p.id

    return sorted(placements, key=position)


def _changed(obj: models.Model, fields: dict[str, models.Field]) -> dict[str, Any]:
    """The fields of `obj` that are not their default: what a document needs to say."""
    return {n: getattr(obj, n) for n, f in fields.items() if getattr(obj, n) != f.get_default()}


class _Loader(yaml.SafeLoader):
    """`yaml.safe_load`'s loader, refusing a key given twice (YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "in a mapping", node.start_mark, f"{key!r} is given twice",
                        key_node.start_mark,
                    )  # fmt: skip
                seen.add(key)
        return super().construct_mapping(node, deep)


def load(text: str) -> Configuration:
    """Read and check a document; raises Invalid naming every problem and where it is."""
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise Invalid([f"not a YAML document: {exc}"]) from None
    except RecursionError:  # thousands of nested brackets: no configuration is that deep
        raise Invalid(["not a configuration: nested too deeply"]) from None
    return parse(document)


def parse(document: Any) -> Configuration:
    """Check a document's shape (keys, types); the models' rules come in `apply`."""
    reader = _Reader()
    top = reader.mapping(document, "", ("fragments", "pages")) or {}
    fragments = (reader.mapping(top.get("fragments", {}), "fragments") or {}).items()
    pages = (reader.mapping(top.get("pages", {}), "pages") or {}).items()
    configuration = Configuration(
        tuple(f for n, e in fragments if (f := reader.fragment(e, join("fragments", n), n))),
        tuple(p for n, e in pages if (p := reader.page(e, join("pages", n), n))),
    )
    if reader.problems:
        raise Invalid(reader.problems)
    return configuration


def join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _kind(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text",
             dict: "a mapping", list: "a list", type(None): "empty"}  # fmt: skip
    return kinds.get(type(value), type(value).__name__)


class _Reader:
    """Checks one document, collecting every problem rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, reason: str) -> None:
        self.problems.append(f"{path or 'the document'}: {reason}")

    def mapping(
        self, value: Any, path: str, keys: Collection[str] | None = None
    ) -> dict[Any, Any] | None:
        """`value` if it is a mapping (of only `keys`, when given), else None."""
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, not {_kind(value)}")
            return None
        for key in value:
            if keys is not None and key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(keys)}"
                self.fail(join(path, key), f"unknown key ({hint})")
            elif keys is None and not isinstance(key, str):
                self.fail(join(path, key), f"a name must be text, not {_kind(key)}")
        return value

    def typed(self, value: Any, path: str, kind: type) -> bool:
        # bool is an int in Python, never in a document.
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return True
        quote = " (quote it)" if kind is str and isinstance(value, int | float | bool) else ""
        self.fail(path, f"must be {_kind(kind())}, not {_kind(value)}{quote}")
        return False

    def values(self, entry: dict, path: str, fields: dict[str, models.Field]) -> dict[str, Any]:
        """Each of `fields` from `entry` (checked for its type), or its default."""
        values = {}
        for name, field in fields.items():
            value = entry.get(name, field.get_default())
            if self.typed(value, join(path, name), TYPES[name]):
                values[name] = value
        return values

    def fragment(self, entry: Any, path: str, name: str) -> FragmentSpec | None:
        entry = self.mapping(entry, path, [*FRAGMENT_FIELDS, "instances"])
        if entry is None:
            return None
        instances = []
        listed = entry.get("instances", [])
        if self.typed(listed, join(path, "instances"), list):
            for index, item in enumerate(listed):
                at = f"{path}.instances[{index}]"
                item = self.mapping(item, at, ["base_url", *INSTANCE_FIELDS])
                if item is None:
                    continue
                url = item.get("base_url")
                if url is None:
                    self.fail(at, "base_url is missing")
                elif self.typed(url, join(at, "base_url"), str):
                    instances.append(InstanceSpec(at, url, self.values(item, at, INSTANCE_FIELDS)))
        return FragmentSpec(path, name, self.values(entry, path, FRAGMENT_FIELDS), tuple(instances))

    def page(self, entry: Any, path: str, name: str) -> PageSpec | None:
        entry = self.mapping(entry, path, PAGE_KEYS)
        if entry is None:
            return None
        values = {}
        for key in ("route", "layout", "title"):
            if key not in entry:
                self.fail(path, f"{key} is missing")
            elif self.typed(entry[key], join(path, key), str):
                values[key] = entry[key]
        titles = entry.get("titles", {})
        if self.mapping(titles, join(path, "titles")) is not None:
            typed = [self.typed(t, join(f"{path}.titles", k), str) for k, t in titles.items()]
            if all(typed):
                values["titles"] = dict(titles)
        placements: list[PlacementSpec] = []
        listed = entry.get("placements", [])
        if self.typed(listed, join(path, "placements"), list):
            for index, item in enumerate(listed):
                if placement := self.placement(item, f"{path}.placements[{index}]", placements):
                    placements.append(placement)
        return PageSpec(path, name, values, tuple(placements))

    def placement(self, item: Any, path: str, earlier: list[PlacementSpec]) -> PlacementSpec | None:
        item = self.mapping(item, path, PLACEMENT_KEYS)
        if item is None:
            return None
        ok = True
        for key in ("slot", "fragment"):
            if item.get(key) is None:
                self.fail(path, f"{key} is missing")
                ok = False
            else:
                ok = self.typed(item[key], join(path, key), str) and ok
        params = item.get("params", {})
        if self.mapping(params, join(path, "params")) is None:
            ok = False
        else:
            for key, value in params.items():
                ok = self.typed(value, join(f"{path}.params", key), str) and ok
        if not ok:
            return None
        slot, fragment = item["slot"], item["fragment"]
        for other in earlier:
            if (other.slot, other.fragment) == (slot, fragment):
                self.fail(path, f"{fragment} is in slot {slot} already ({other.path})")
                return None
        return PlacementSpec(path, slot, fragment, dict(params))


def _python_type(field: models.Field) -> type:
    """The type a setting has in the document; a kind of field it cannot hold yet fails at
    import, so a new setting is never read as the wrong type."""
    for model_field, kind in ((models.BooleanField, bool), (models.IntegerField, int),
                              (models.CharField, str), (models.TextField, str)):  # fmt: skip
        if isinstance(field, model_field):
            return kind
    raise TypeError(f"the configuration document has no type for {field!r}")


#: Each setting's type in the document.
TYPES = {name: _python_type(f) for name, f in {**FRAGMENT_FIELDS, **INSTANCE_FIELDS}.items()}
