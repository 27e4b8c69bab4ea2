"""Twelve-factor configuration shared by every Tessera service.

Every setting comes from an environment variable with a safe local default; the helpers here
read them with one spelling and one parsing rule, so a value means the same in every service.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]


def env_str(name: str, default: str) -> str:
    """Return the environment variable `name`, or `default` when unset or empty."""
    return os.environ.get(name) or default


def _env_number(name: str, default: T, parse: Callable[[str], T], kind: str) -> T:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not {kind}") from None


def env_int(name: str, default: int) -> int:
    """Return the environment variable `name` as an int; a malformed value is an error."""
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    """Return the environment variable `name` as a float; a malformed value is an error."""
    return _env_number(name, default, float, "a number")


def env_bool(name: str, default: bool) -> bool:
    """Return the environment variable `name` as a boolean (1/true/yes/on)."""
    raw = os.environ.get(name)
    if not raw:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated environment variable `name` as a list of trimmed items."""
    raw = os.environ.get(name)
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where services keep their databases and local state (`TESSERA_DATA_DIR`, default ./var)."""
    return Path(env_str("TESSERA_DATA_DIR", str(REPO_ROOT / "var")))


def static_root(service: str) -> Path:
    """Where a service's collected static files live: under `TESSERA_STATIC_DIR` when set
    (a container image collects them at build time, apart from its runtime data), else
    under the data directory."""
    return Path(env_str("TESSERA_STATIC_DIR", str(data_dir()))) / service / "static"


def service_url(name: str) -> str:
    """The base URL of another service, as `up` announces it in `TESSERA_<NAME>_URL`."""
    key = f"TESSERA_{name.upper().replace('-', '_')}_URL"
    url = os.environ.get(key)
    if not url:
        raise RuntimeError(f"{key} is not set: start services with `python manage.py up`")
    return url.rstrip("/")
