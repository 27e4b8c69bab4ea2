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
