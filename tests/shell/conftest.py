"""Every engine test starts from a shell process with nothing learnt: the engine keeps its
cache, breakers, ejections and retry budgets per process, and one test's failures must
not open another's breaker."""

import pytest

from shell.engine.breaker import breakers
from shell.engine.cache import cache
from shell.engine.ejection import ejections
from shell.engine.retry_budget import retry_budget


@pytest.fixture(autouse=True)
def fresh_engine_state():
    yield
    cache.clear()
    breakers.forget(())
    ejections.clear()
    retry_budget.recent.clear()


class Clock:
    """The fragment cache's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The fragment cache on a fake clock."""
    fake = Clock()
    monkeypatch.setattr(cache, "clock", fake)
    return fake
