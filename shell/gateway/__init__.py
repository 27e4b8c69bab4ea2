"""The browser's way to fragments' BFFs and assets: `/bff/<name>/...`, `/_assets/<name>/...`.

Both are path-preserving proxies to a live instance of the named fragment, chosen from the
registry snapshot: `target.py` decides what path may go upstream, `relay.py` relays, and
`errors.py` answers a failed CSRF check in the same JSON as every other refusal.
"""

from shell.gateway.errors import csrf_failure
from shell.gateway.relay import close, relay

__all__ = ["close", "csrf_failure", "relay"]
