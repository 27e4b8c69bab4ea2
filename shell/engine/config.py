"""The engine's typed configuration: one frozen value object per fragment.

Registry snapshot, local page configuration, engine and tests all speak `FragmentConfig`,
never loose dicts; defaults live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_MS = 1000
MAX_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class FragmentConfig:
    """How to fetch one fragment and what to do when it fails."""

    name: str
    path_template: str = "/fragment"
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    primary: bool = False
    required: bool = False
    fallback_html: str = ""
    instances: tuple[str, ...] = ()  # base URLs of live instances

    def __post_init__(self) -> None:
        if not 0 < self.timeout_ms <= MAX_TIMEOUT_MS:
            raise ValueError(f"{self.name}: timeout_ms {self.timeout_ms} out of range")
        if not self.path_template.startswith("/"):
            raise ValueError(f"{self.name}: path template must start with '/'")

    @property
    def timeout(self) -> float:
        return self.timeout_ms / 1000

    def path(self, params: Mapping[str, str]) -> str:
        """The fragment path with route parameters filled in (already URL-safe values)."""
        return self.path_template.format_map(params)

    @classmethod
    def from_snapshot(cls, entry: Mapping[str, Any]) -> FragmentConfig:
        """Build from one fragment entry of the registry's snapshot."""
        return cls(
            name=entry["name"],
            path_template=entry.get("path_template", "/fragment"),
            timeout_ms=int(entry.get("timeout_ms", DEFAULT_TIMEOUT_MS)),
            primary=bool(entry.get("primary", False)),
            required=bool(entry.get("required", False)),
            fallback_html=entry.get("fallback_html", ""),
            instances=tuple(i["base_url"] for i in entry.get("instances", ())),
        )
