"""The composition engine: from a request and a `Site` (pages and fragments) to a streamed
page.

Its stages are modules named for them: routing, plan, fetch (with balance, ejection,
breaker, retry_budget, deadline and the httpclient package with its bulkhead), resolve (the
cache, cache.py and cache_control.py, and the fallback chain), decision (status and
headers), assemble and stream; retry and single_fragment serve fragments that failed on the
server. This is its public surface, for the shell's other parts (the snapshot reader, the
gateway, which shares the engine's balancing and cookie rules) and the benchmark; the rest
is internal.
"""

from shell.engine import layout
from shell.engine.balance import pick_instance, rotation
from shell.engine.breaker import DEFAULT_BREAKER, BreakerSettings, breakers
from shell.engine.cache import cache
from shell.engine.config import FragmentConfig
from shell.engine.cookies import fragment_cookie_header, scoped_set_cookies
from shell.engine.events import Subscriber, fragment_resolved
from shell.engine.fetch import close as close_connections
from shell.engine.fetch import open_connections
from shell.engine.layout import load_layout
from shell.engine.outcome import Outcome
from shell.engine.page import PageApp
from shell.engine.routing import Page, compile_route, quoted
from shell.engine.security import ResponsePolicy
from shell.engine.site import EMPTY_SITE, Site

__all__ = [
    "DEFAULT_BREAKER",
    "EMPTY_SITE",
    "BreakerSettings",
    "FragmentConfig",
    "Outcome",
    "Page",
    "PageApp",
    "ResponsePolicy",
    "Site",
    "Subscriber",
    "breakers",
    "cache",
    "close_connections",
    "compile_route",
    "fragment_cookie_header",
    "fragment_resolved",
    "layout",
    "load_layout",
    "open_connections",
    "pick_instance",
    "quoted",
    "rotation",
    "scoped_set_cookies",
]
