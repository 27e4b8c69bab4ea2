"""The page hot path: an ASGI handler in front of Django for the storefront's pages.

Requests whose path matches a page route are composed here; everything else (the /bff/
gateway, assets, Django's own views) goes on to Django untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shell.engine.assemble import assemble
from shell.engine.config import FragmentConfig
from shell.engine.context import fragment_headers, new_request_id
from shell.engine.httpclient import encode_headers
from shell.engine.layout import load_layout
from shell.engine.routing import Router
from tessera.asgi import ASGIApp, Receive, Scope, Send


def server_timing(outcomes) -> str:
    """`Server-Timing` entries: each fragment's duration and whether it succeeded."""
    return ", ".join(
        f'{o.name};dur={o.duration_ms:.1f};desc="{"ok" if o.ok else "failed"}"' for o in outcomes
    )


class PageApp:
    """Serve page routes by composition; pass every other request to `fallback`."""

    def __init__(
        self,
        router: Router,
        fragments: Callable[[], Mapping[str, FragmentConfig]],
        fallback: ASGIApp,
    ) -> None:
        self.router = router
        self.fragments = fragments
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.fallback(scope, receive, send)
            return
        found = self.router.match(scope["path"])
        if found is None:
            await self.fallback(scope, receive, send)
            return
        page, params = found
        request_id = new_request_id()
        headers = encode_headers(
            fragment_headers(scope["headers"], request_id=request_id, path=scope["path"])
        )
        html, outcomes = await assemble(
            load_layout(page.layout), page.slots, self.fragments(), params, headers, page.title
        )
        body = html.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    (b"x-request-id", request_id.encode()),
                    (b"server-timing", server_timing(outcomes).encode()),
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
