"""Running an engine scenario in a test: in its own event loop, with the engine's pooled
fragment connections closed at the end (they belong to that loop)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shell.engine import fetch

T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def wrapped() -> T:
        try:
            return await scenario()
        finally:
            await fetch.close()

    return asyncio.run(wrapped())
