"""The page hot path: an ASGI handler in front of Django for the storefront's pages.

It only wires the stages: route the request, plan the page (plan.py), start every fragment
at once (resolve.py), wait for the blocking ones, let decision.py say what to answer, and
stream it (stream.py). `/_fragment/<name>` goes to single_fragment.py; everything else (the
/bff/ gateway, assets, Django's own views) goes on to Django untouched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import parse_qs, quote

from shell.engine.cache import cache
from shell.engine.context import DEADLINE_LINES, ENGLISH, RequestContext, request_context
from shell.engine.deadline import Deadline
from shell.engine.decision import Decision, decide
from shell.engine.disconnect import WATCH_DISCONNECT_AFTER, DisconnectWatch
from shell.engine.httpclient import encode_headers
from shell.engine.locale import LOCALE_PREFIX, Locales
from shell.engine.outcome import Outcome
from shell.engine.plan import Placement, Plan, PlanCache, error_page
from shell.engine.rendered import SHARE_OF_CACHE, RenderedPages
from shell.engine.resolve import fresh_copies, resolve
from shell.engine.retry import FRAGMENT_PREFIX
from shell.engine.routing import BadParameter, Page
from shell.engine.security import DEFAULT_POLICY, ResponsePolicy
from shell.engine.single_fragment import serve_fragment
from shell.engine.site import Site
from shell.engine.stream import PageStream, server_timing
from tessera.runtime.asgi import ASGIApp, Receive, Scope, Send, send_response
from tessera.runtime.tracing import SCOPE_KEY, Hop, begin

#: Paths Django serves (the gateway, assets); any other unknown path is the shell's 404 page.
DJANGO_PREFIXES = ("/bff/", "/_assets/", "/static/")
#: The longest page the language switch sends a browser back to (longer: the home page).
MAX_NEXT = 2048


class PageApp:
    """Serve page routes by composition; pass every other request to `fallback`."""

    def __init__(
        self,
        site: Callable[[], Site],
        fallback: ASGIApp,
        *,
        context_key: bytes,
        visitor_key: bytes,
        page_budget: float = 10.0,
        policy: ResponsePolicy = DEFAULT_POLICY,
        watch_disconnect_after: float = WATCH_DISCONNECT_AFTER,
        site_name: str = "",
        locales: Locales = ENGLISH,
    ) -> None:
        self.site = site
        self.locales = locales
        self.site_name = site_name  # after each page's title, e.g. "Kettle · Tessera"
        self.fallback = fallback
        self.context_key = context_key
        self.visitor_key = visitor_key
        self.page_budget = page_budget
        self.policy = policy
        self.watch_disconnect_after = watch_disconnect_after
        self.plans = PlanCache()
        self.rendered = RenderedPages(int(cache.max_bytes * SHARE_OF_CACHE))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.fallback(scope, receive, send)
            return
        path = scope["path"]
        site = self.site()
        if path.startswith(LOCALE_PREFIX):
            await self._switch_locale(scope, send, path[len(LOCALE_PREFIX) :])
            return
        if path.startswith(FRAGMENT_PREFIX):
            config = site.fragments.get(path[len(FRAGMENT_PREFIX) :])
            context, headers = self._context(scope)
            scope[SCOPE_KEY].route = "_fragment"
            await serve_fragment(scope, send, config, context, headers, self.policy)
            return
        try:
            found = site.router.match(path, scope.get("query_string", b""))
        except BadParameter:
            await self._error(scope, receive, send, site, 400)
            return
        if found is None:
            if path.startswith(DJANGO_PREFIXES):
                await self.fallback(scope, receive, send)
            elif location := _without_slash(scope, site):
                headers = [(b"location", location), *self.policy.plain_headers()]
                await send_response(send, 301, b"", headers=headers)
            else:
                await self._error(scope, receive, send, site, 404)
            return
        await self._page(scope, receive, send, site, *found)

    async def _error(
        self, scope: Scope, receive: Receive, send: Send, site: Site, status: int
    ) -> None:
        """The shell's error page for `status`, in the request's language."""
        context = self._request_context(scope)
        page = _error_page(site, scope["path"], status, context.locale)
        await self._page(scope, receive, send, site, page, {}, context)

    def _context(self, scope: Scope) -> tuple[RequestContext, bytes]:
        """The request's context and the header block every fragment request carries."""
        context = self._request_context(scope)
        return context, context.header_block(self.context_key, time.time())

    def _request_context(self, scope: Scope) -> RequestContext:
        raw_path = scope.get("raw_path")
        # Fragments get the path as the browser sent it, percent-encoded: never a decoded
        # control character, which their servers would refuse with the whole request.
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        hop = scope.get(SCOPE_KEY)  # begun by ServiceApp, which every service runs in
        if hop is None:
            hop = scope[SCOPE_KEY] = begin(scope["headers"], trust_request_id=False)
        return request_context(
            scope["headers"], path, visitor_key=self.visitor_key, hop=hop, locales=self.locales
        )

    async def _switch_locale(self, scope: Scope, send: Send, language: str) -> None:
        """The language switch: keep `language` (one of the shop's) in the visitor's cookie
        and send the browser back to `next`, a page of this shop (the home page otherwise).
        Choosing a language changes nothing but the language: no CSRF token is asked."""
        headers = [(b"cache-control", b"no-store"), *self.policy.plain_headers()]
        if language not in self.locales.languages:
            await send_response(send, 404, b"no such language", headers=headers)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        target = query.get("next", ["/"])[0]
        local = target.startswith("/") and len(target) <= MAX_NEXT and self.policy.redirect(target)
        location = target if local else "/"
        cookie = self.locales.cookie(language, secure=self.policy.https)
        headers += [(b"location", location.encode("latin-1")), (b"set-cookie", cookie)]
        await send_response(send, 303, b"", headers=headers)

    async def _page(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        site: Site,
        page: Page,
        params: dict[str, str],
        context: RequestContext | None = None,
    ) -> None:
        deadline = time.monotonic() + self.page_budget
        if context is None:
            context = self._request_context(scope)
        hop = scope[SCOPE_KEY]
        hop.route = page.name
        plan = self.plans.get(page, params, site.fragments, context.locale)
        # A page of fresh copies alone is answered at once, its body rendered once for them.
        placements = plan.placements
        copies = fresh_copies(placements, context)
        if all(copies) and scope["method"] == "GET":
            # Fresh copies are answers kept as the fragments gave them ("ok"): usable, never
            # a redirect, so the answer is the page's own plan with its own status.
            primary = copies[plan.primary.index] if plan.primary else None
            blocking = [copies[placement.index] for placement in plan.blocking]
            decision = decide(plan, primary, blocking, context, self.policy, self.visitor_key)
            await self._send_rendered(send, plan, decision, copies, context, hop)
            return
        # By timeout (ms): the deadline and the header block of the fetches with that timeout.
        shared: dict[int, tuple[Deadline, bytes]] = {}
        headers = None  # signed once a fragment must be asked: not for a page of fresh copies
        # The loop, looked up once: on Python 3.11 every lookup is a getpid() system call.
        loop = asyncio.get_running_loop()
        tasks: dict[Placement, asyncio.Future[Outcome]] = {}
        for placement, copy in zip(placements, copies, strict=True):
            if copy is not None:
                tasks[placement] = done = loop.create_future()
                done.set_result(copy)
                continue
            if headers is None:
                headers = context.header_block(self.context_key, time.time())
            tasks[placement] = _start(loop, context, placement, params, headers, shared)
        main = asyncio.current_task(loop)
        assert main is not None
        watch = DisconnectWatch(receive, main, self.watch_disconnect_after)
        try:
            for placement in plan.blocking:
                await tasks[placement]  # resolve() never raises: failures are outcomes
            decision = decide(
                plan,
                tasks[plan.primary].result() if plan.primary else None,
                [tasks[p].result() for p in plan.blocking],
                context,
                self.policy,
                self.visitor_key,
            )
            if decision.location:
                await _redirect(send, decision)
                return
            await self._stream(scope, send, decision, tasks, context, hop, deadline)
        except asyncio.CancelledError:
            if not watch.disconnected:
                raise
            main.uncancel()  # the client left: nothing more to do
        finally:
            watch.stop()
            for task in tasks.values():
                task.cancel()
            for fetch_deadline, _ in shared.values():
                fetch_deadline.close()

    async def _stream(
        self,
        scope: Scope,
        send: Send,
        decision: Decision,
        tasks: Mapping[Placement, asyncio.Future[Outcome]],
        context: RequestContext,
        hop: Hop,
        deadline: float,
    ) -> None:
        """Send the page `decision` says, its fragments as they come (stream.py)."""
        stream = PageStream(
            send,
            decision.plan,
            tasks,
            title=decision.title,
            description=decision.description,
            site_name=self.site_name,
            lang=context.locale,
            deadline=deadline,
            nonce=context.nonce,
            head_only=scope["method"] == "HEAD",
        )
        hop.detail = timing = server_timing(decision.plan, tasks)
        decision.headers.append((b"server-timing", timing.encode()))
        await stream.start(decision.status, decision.headers)
        await stream.body()

    async def _send_rendered(
        self,
        send: Send,
        plan: Plan,
        decision: Decision,
        copies: Sequence[Outcome],
        context: RequestContext,
        hop: Hop,
    ) -> None:
        """Send `plan` with its fresh `copies` (one per placement) as `decision` says,
        rendered once for them (rendered.py)."""
        page = self.rendered.get(plan, copies)
        if page is None:
            page = await self.rendered.render(
                plan,
                copies,
                title=decision.title,
                description=decision.description,
                site_name=self.site_name,
                lang=context.locale,  # the plan's own language: plans are made per language
            )
        hop.detail = page.timing
        headers = decision.headers
        headers.append((b"server-timing", page.timing_value))
        await send({"type": "http.response.start", "status": decision.status, "headers": headers})
        await send({"type": "http.response.body", "body": page.body(context.nonce)})


async def _redirect(send: Send, decision: Decision) -> None:
    """The page's answer when its primary redirects: no body, the decision's headers."""
    location = (b"location", decision.location.encode())
    await send_response(send, decision.status, b"", headers=[location, *decision.headers])


def _without_slash(scope: Scope, site: Site) -> bytes | None:
    """Where a path that a page's route matches but for its trailing slashes (`/cart/`)
    belongs, its query kept, or None: a shopper who typed the slash lands on the page,
    not on a 404. Only ever a path of this shop (never `//host`)."""
    path = scope["path"]
    raw = scope.get("raw_path") or quote(path).encode()
    target = raw.rstrip(b"/")  # the slashes as sent: an escaped one (%2F) is not stripped
    if target == raw or not target or target.startswith(b"//"):
        return None
    query = scope.get("query_string", b"")
    try:
        if site.router.match(path[: len(target) - len(raw)], query) is None:
            return None
    except BadParameter:
        pass  # the page exists: its own 400 says what is wrong with the query
    return target + (b"?" + query if query else b"")


def _error_page(site: Site, path: str, status: int, language: str) -> Page:
    """The shell's error page for `path` in `language`, with the home page's header and
    footer."""
    home = site.router.match("/")
    return error_page(status, path, home[0].slots if home else {}, language)


def _start(
    loop: asyncio.AbstractEventLoop,
    context: RequestContext,
    placement: Placement,
    params: Mapping[str, str],
    headers: bytes,
    shared: dict[int, tuple[Deadline, bytes]],
) -> asyncio.Task[Outcome]:
    """Start resolving `placement`; fetches with the same timeout share one deadline.

    They share their headers too: the page's block plus the `x-tessera-deadline-ms` line of
    that timeout (each fetch starts now, with its whole timeout ahead of it), built with the
    deadline rather than for each fragment. A fetch of the fallback URL gets a fresh deadline
    of the same timeout, so the same line is right for it as well.
    """
    config = placement.config
    deadline = None
    if config is not None:
        timeout_ms = config.timeout_ms  # the key: `config.timeout` makes a float, dearer to hash
        entry = shared.get(timeout_ms)
        if entry is None:
            deadline = Deadline(config.timeout, shared=True)
            entry = shared[timeout_ms] = (deadline, headers + DEADLINE_LINES[timeout_ms])
        deadline, headers = entry
        if config.forward_headers:
            headers += encode_headers(context.extra_headers(config.forward_headers))
    return loop.create_task(resolve(placement, params, headers, context, deadline))
