"""`/_fragment/<name>?<route parameters>`: one fragment on its own, wrapped, with its assets.

The browser asks here when a fragment failed on the server (see retry.py), and the registry's
admin previews a fragment here. It goes through the same pipeline as a page's fragment,
resolved as a primary: its 404 (what its parameters name does not exist, or is not even
well-formed) is this answer's 404, not a failure, and no browser retry of it.

A browser that opens it as a document or in a frame (`Sec-Fetch-Dest`: the admin's
preview) gets it as the store shows it: a whole page with the storefront's stylesheet
around it. The retry script fetches it (`Sec-Fetch-Dest: empty`) and gets the fragment alone.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from html import escape
from urllib.parse import parse_qsl

from django.templatetags.static import static

from shell.engine.assemble import wrap
from shell.engine.assets import asset_tags
from shell.engine.config import FragmentConfig
from shell.engine.context import DEADLINE_LINES, RequestContext
from shell.engine.plan import Placement
from shell.engine.resolve import resolve
from shell.engine.routing import ANY_VALUE, quoted
from shell.engine.security import ResponsePolicy
from tessera.runtime.asgi import Scope, Send, header, send_response


def fragment_path(config: FragmentConfig, query_string: bytes) -> tuple[str, dict[str, str]]:
    """The fragment's path for the parameters of `query_string`, and those parameters
    (URL-quoted); the path is "" when one is missing or malformed."""
    given = parse_qsl(query_string.decode("latin-1"))
    params = {k: quoted(v) for k, v in given}
    # Every parameter printable text, as route parameters are.
    if not all(ANY_VALUE.fullmatch(v) for _, v in given if v):
        return "", params
    try:
        return config.path(params), params
    except (KeyError, IndexError, ValueError):
        return "", params


#: Where a fragment is shown on its own, as a page of the store (see the module's docstring).
DOCUMENT_DESTINATIONS = frozenset({"document", "iframe", "frame"})


@cache
def _page_head() -> str:
    """The part of the storefront's `<head>` a fragment shown alone needs: its stylesheet."""
    return (
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><link rel="stylesheet" href="{escape(static("shell/tokens.css"))}">'
    )


def as_document(name: str, body: str, lang: str) -> str:
    """`body` (the fragment with its asset tags) as a whole page of the store."""
    return (
        f'<!doctype html><html lang="{lang}"><head>{_page_head()}<title>{escape(name)}</title>'
        f'</head><body><main class="page">{body}</main></body></html>'
    )


async def serve_fragment(
    scope: Scope,
    send: Send,
    config: FragmentConfig | None,
    context: RequestContext,
    headers: bytes,
    policy: ResponsePolicy,
) -> None:
    """Answer with fragment `config` alone (404 for one not registered or enabled).

    A refusal opened in a frame (the admin's preview) may be framed by the admin and says
    why in words; elsewhere a failed fragment's answer is empty (the browser retry puts
    nothing in the page for it)."""
    framed = header(scope, b"sec-fetch-dest") in DOCUMENT_DESTINATIONS
    plain = policy.plain_headers(preview=framed)
    if config is None:
        await send_response(send, 404, b"no such fragment", headers=plain)
        return
    path, params = fragment_path(config, scope.get("query_string", b""))
    if not path:
        await send_response(
            send, 400, b"missing or malformed route parameters for this fragment", headers=plain
        )
        return
    headers += DEADLINE_LINES[config.timeout_ms]  # its deadline, as on a page
    solo = replace(config, primary=True, is_async=False)
    placement = Placement(config.name, solo, path, 0)
    outcome = await resolve(placement, params, headers, context)
    request_id = (b"x-request-id", context.request_id.encode())
    if not outcome.usable:
        status = 404 if outcome.kind == "not-found" else 502
        said = b""
        if framed:
            said = (
                f"{config.name}: nothing for these parameters (404)"
                if status == 404  # why it failed is for the logs: it may name internal hosts
                else f"{config.name} could not be fetched just now (502); see the shell's log"
            ).encode()
        await send_response(send, status, said, headers=[request_id, *plain])
        return
    body = asset_tags(outcome.assets, context.nonce) + wrap(config.name, outcome.html)
    if framed:
        body = as_document(config.name, body, context.locale)
    await send_response(
        send,
        200,
        body.encode(),
        b"text/html; charset=utf-8",
        [
            (b"cache-control", b"no-store"),
            request_id,
            *policy.headers(context.nonce, preview=True),
        ],
    )
