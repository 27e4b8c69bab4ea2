"""What the engine composes from: the pages (routes, layouts, slots) and the fragments.

The engine does not care where a `Site` comes from: the registry snapshot in the shell, a
table in the benchmark, fixtures in tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from shell.engine.config import FragmentConfig
from shell.engine.routing import Page, Router


@dataclass(frozen=True)
class Site:
    router: Router
    fragments: Mapping[str, FragmentConfig] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(cls, pages: Sequence[Page], fragments: Mapping[str, FragmentConfig]) -> Site:
        return cls(Router(pages), MappingProxyType(dict(fragments)))


EMPTY_SITE = Site.build([], {})
