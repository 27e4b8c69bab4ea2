"""The page hot path: an ASGI handler in front of Django for the storefront's pages.

Requests whose path matches a page route are composed here, and `/_fragment/<name>` serves a
single fragment through the same pipeline (for browser-side retries and previews);
everything else (the /bff/ gateway, assets, Django's own views) goes on to Django untouched.

A page: plan it, start every fragment at once, wait for the primary and required ones, let
the primary decide (redirect, 404, error, or the page with its title), then stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from urllib.parse import parse_qsl, quote

from shell.engine.assemble import wrap
from shell.engine.assets import Asset, asset_tags
from shell.engine.config import FragmentConfig
from shell.engine.context import RequestContext, request_context
from shell.engine.cookies import csrf_cookie, scoped_set_cookies, visitor_cookie
from shell.engine.deadline import Deadline
from shell.engine.disconnect import DisconnectWatch
from shell.engine.httpclient import encode_headers
from shell.engine.plan import Placement, Plan, PlanCache, make_plan
from shell.engine.resolve import resolve
from shell.engine.routing import ANY_VALUE, BadParameter, Page
from shell.engine.security import DEFAULT_POLICY, ResponsePolicy
from shell.engine.site import Site
from shell.engine.stream import PageStream, server_timing
from tessera.runtime.asgi import ASGIApp, Receive, Scope, Send, send_response

FRAGMENT_PREFIX = "/_fragment/"
#: Paths Django serves (the gateway, assets); any other unknown path is the shell's 404 page.
DJANGO_PREFIXES = ("/bff/", "/_assets/", "/static/")
USABLE = ("ok", "fallback")
#: The shell's own error pages: their titles (layouts are `<status>.html`).
ERROR_TITLES = {400: "Bad request", 404: "Page not found", 503: "Temporarily unavailable"}


@lru_cache(maxsize=1024)  # a primary sends the same assets on every page
def preload_links(assets: tuple[Asset, ...]) -> bytes:
    """`Link: rel=preload` for the primary's assets, so the browser fetches them early."""
    links = [
        f"<{a.url}>; rel=preload; as=style"
        if a.rel == "stylesheet"
        else f"<{a.url}>; rel=modulepreload"
        for a in assets
    ]
    return ", ".join(links).encode("latin-1", "replace")


class PageApp:
    """Serve page routes by composition; pass every other request to `fallback`."""

    def __init__(
        self,
        site: Callable[[], Site],
        fallback: ASGIApp,
        *,
        context_key: bytes,
        visitor_key: bytes,
        trust_request_id: bool = False,
        page_budget: float = 10.0,
        policy: ResponsePolicy = DEFAULT_POLICY,
    ) -> None:
        self.site = site
        self.fallback = fallback
        self.context_key = context_key
        self.visitor_key = visitor_key
        self.trust_request_id = trust_request_id
        self.page_budget = page_budget
        self.policy = policy
        self.plans = PlanCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.fallback(scope, receive, send)
            return
        path = scope["path"]
        site = self.site()
        if path.startswith(FRAGMENT_PREFIX):
            name = path[len(FRAGMENT_PREFIX) :]
            await self._single_fragment(scope, send, site.fragments.get(name), name)
            return
        try:
            found = site.router.match(path, scope.get("query_string", b""))
        except BadParameter:
            await self._page(scope, receive, send, site, self._error_page(site, path, 400), {})
            return
        if found is None:
            if path.startswith(DJANGO_PREFIXES):
                await self.fallback(scope, receive, send)
            else:
                await self._page(scope, receive, send, site, self._error_page(site, path), {})
            return
        await self._page(scope, receive, send, site, *found)

    @staticmethod
    def _error_page(site: Site, path: str, status: int = 404) -> Page:
        """The shell's error page for `path`, with the home page's header and footer."""
        home = site.router.match("/")
        slots = home[0].slots if home else {}
        kept = {slot: slots[slot] for slot in ("header", "footer") if slot in slots}
        # Named so that no registry page (lower-case letters, digits, `-`) shares its plans.
        return Page(f"shell:{status}", path, f"{status}.html", ERROR_TITLES[status], kept, status)

    def _context(self, scope: Scope) -> tuple[RequestContext, bytes]:
        raw_path = scope.get("raw_path")
        # Fragments get the path as the browser sent it, percent-encoded: never a decoded
        # control character, which their servers would refuse with the whole request.
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        context = request_context(
            scope["headers"],
            path,
            visitor_key=self.visitor_key,
            trust_request_id=self.trust_request_id,
        )
        return context, context.header_block(self.context_key, time.time())

    @staticmethod
    def _start(
        loop: asyncio.AbstractEventLoop,
        context: RequestContext,
        placement: Placement,
        params,
        headers: bytes,
        deadlines: dict[float, Deadline],
    ):
        config = placement.config
        deadline = None
        if config is not None:
            if config.forward_headers:
                headers += encode_headers(context.extra_headers(config.forward_headers))
            # Fetches with the same timeout start together: they share one deadline.
            deadline = deadlines.get(config.timeout)
            if deadline is None:
                deadline = deadlines[config.timeout] = Deadline(config.timeout, shared=True)
        return loop.create_task(
            resolve(placement, params, headers, context.visitor, context.request_id, deadline)
        )

    async def _page(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        site: Site,
        page: Page,
        params: dict[str, str],
    ) -> None:
        deadline = time.monotonic() + self.page_budget
        context, headers = self._context(scope)
        plan = self.plans.get(page, params, site.fragments)
        deadlines: dict[float, Deadline] = {}
        # The loop, looked up once: on Python 3.11 every lookup is a getpid() system call.
        loop = asyncio.get_running_loop()
        tasks = {
            p: self._start(loop, context, p, params, headers, deadlines) for p in plan.placements
        }
        main = asyncio.current_task(loop)
        assert main is not None
        watch = DisconnectWatch(receive, main)
        try:
            for placement in plan.blocking:
                await tasks[placement]  # resolve() never raises: failures are outcomes
            await self._respond(scope, send, plan, tasks, context, deadline)
        except asyncio.CancelledError:
            if not watch.disconnected:
                raise
            main.uncancel()  # the client left: nothing more to do
        finally:
            watch.stop()
            for task in tasks.values():
                task.cancel()
            for fetch_deadline in deadlines.values():
                fetch_deadline.close()

    async def _respond(self, scope, send, plan: Plan, tasks, context, deadline: float) -> None:
        https = self.policy.https
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-request-id", context.request_id.encode()),
            *self.policy.headers(context.nonce),
        ]
        if context.new_visitor:
            cookie = visitor_cookie(context.visitor, self.visitor_key, https)
            headers.append((b"set-cookie", cookie))
        if context.needs_csrf_cookie:
            headers.append((b"set-cookie", csrf_cookie(https)))
        primary = tasks[plan.primary].result() if plan.primary else None
        if primary is not None:
            if primary.set_cookies:
                allowed = plan.primary.config.cookies  # type: ignore[union-attr]
                cookies = scoped_set_cookies(
                    primary.set_cookies, primary.name, allowed, secure=https
                )
                headers += [(b"set-cookie", c.OutputString().encode()) for c in cookies]
            if primary.kind == "redirect":
                location = self.policy.redirect(primary.location)
                if location is not None:
                    await send_response(
                        send,
                        primary.status,
                        b"",
                        headers=[(b"location", location.encode()), *headers[1:]],
                    )
                    return
        status, title, description = plan.page.status, plan.page.title, ""
        if primary is not None and primary.kind == "redirect":
            status = 503  # a redirect the shell refuses to follow: the primary failed
        elif primary is not None and primary.kind == "not-found":
            status = 404
        elif any(tasks[p].result().kind not in USABLE for p in plan.blocking):
            status = 503
        elif primary is not None:
            title = primary.title or title
            description = primary.description
            if primary.assets:
                headers.append((b"link", preload_links(primary.assets)))
        if status != 200:
            plan = self._error_plan(plan, status)
            title = ERROR_TITLES[status]
        stream = PageStream(
            send,
            plan,
            tasks,
            title=title,
            description=description,
            deadline=deadline,
            nonce=context.nonce,
            head_only=scope["method"] == "HEAD",
        )
        headers.append((b"server-timing", server_timing(plan, tasks).encode()))
        await stream.start(status, headers)
        await stream.body()

    @staticmethod
    def _error_plan(plan: Plan, status: int) -> Plan:
        """The shell's own error page, keeping the page's header and footer fragments."""
        layout = f"{status}.html"
        kept = {slot: plan.slots.get(slot, ()) for slot in ("header", "footer")}
        error_page = Page(f"shell:{status}", plan.page.route, layout, "", {})
        base = make_plan(error_page, {}, {})
        placements = tuple(p for slot in base.layout.slots for p in kept.get(slot, ()))
        return Plan(error_page, base.layout, kept, placements, None, (), plan.params)

    async def _single_fragment(
        self, scope: Scope, send: Send, config: FragmentConfig | None, name: str
    ) -> None:
        """`/_fragment/<name>?<route params>`: one fragment, wrapped, with its assets."""
        if config is None:
            await send_response(send, 404, b"no such fragment", headers=self.policy.plain_headers())
            return
        given = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        params = {k: quote(v, safe="") for k, v in given}
        try:
            path = config.path(params)
        except (KeyError, IndexError, ValueError):
            path = ""
        # Every parameter printable text, as route parameters are.
        if not path or not all(ANY_VALUE.fullmatch(v) for _, v in given if v):
            await send_response(
                send,
                400,
                b"missing or malformed route parameters for this fragment",
                headers=self.policy.plain_headers(),
            )
            return
        context, headers = self._context(scope)
        # Resolved as a primary: its 404 (what its parameters name does not exist, or is not
        # even well-formed) is this answer's 404, not a failure, and no browser retry of it.
        solo = replace(config, primary=True, is_async=False)
        placement = Placement(name, solo, path, 0)
        outcome = await resolve(placement, params, headers, context.visitor, context.request_id)
        request_id = (b"x-request-id", context.request_id.encode())
        if outcome.kind not in USABLE:
            status = 404 if outcome.kind == "not-found" else 502
            plain = [request_id, *self.policy.plain_headers()]
            await send_response(send, status, b"", headers=plain)
            return
        body = (asset_tags(outcome.assets, context.nonce) + wrap(name, outcome.html)).encode()
        await send_response(
            send,
            200,
            body,
            b"text/html; charset=utf-8",
            [
                (b"cache-control", b"no-store"),
                request_id,
                *self.policy.headers(context.nonce, preview=True),
            ],
        )
