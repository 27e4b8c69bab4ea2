"""The runtime every Tessera service imports: configuration from the environment
(`env`, `django_defaults`, `secrets`), the ASGI base app and server (`asgi`, `serve`,
`bounded`, `cycle`, `limits`), logging (`jsonlog`), and the rules services share
(`headers`, `visitor`, `openapi`)."""

import sys

# httpx imports its command-line tool, and with it click, rich and pygments (3 MB and 70
# modules in every service), whenever those are installed, as they are for the tests
# (encode/httpx#3547). No service runs that tool: marking its module absent makes
# `import httpx` take its own fallback. Every service starts here (tessera.runtime.serve).
sys.modules.setdefault("httpx._main", None)
