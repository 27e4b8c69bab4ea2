"""Limits of the fragment client, with their defaults in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How many connections an origin may have, how long idle ones live, how big a body may be."""

    max_connections_per_origin: int = 64
    idle_timeout: float = 30.0  # seconds an idle keep-alive connection is kept
    max_body_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if self.max_connections_per_origin < 1:
            raise ValueError("max_connections_per_origin must be at least 1")
        if self.idle_timeout <= 0 or self.max_body_bytes < 1:
            raise ValueError("idle_timeout and max_body_bytes must be positive")


DEFAULT_LIMITS = Limits()
