"""Deciding a page's answer once its blocking fragments are in: status, headers, and which
plan to render (the page's own, or the shell's error page keeping its header and footer).

Pure: the plan and the outcomes in, a `Decision` out; nothing is sent here. The rules:
- the primary's redirect is followed if the policy allows its target, else the page fails;
- the primary's 404 is the page's 404;
- a primary or required fragment with nothing usable makes it a 503;
- otherwise the page keeps its route's status and takes the primary's title, description
  and preload links; without a primary's title, the page's own in the request's language
  (its `titles`), else its `title`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from shell.engine.assets import Asset
from shell.engine.context import RequestContext
from shell.engine.cookies import csrf_cookie, scoped_set_cookies, visitor_cookie
from shell.engine.outcome import Outcome
from shell.engine.plan import Plan, error_plan, error_title
from shell.engine.security import ResponsePolicy

Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Decision:
    """What to answer: a redirect to `location` (nothing rendered), or `plan` rendered with
    `status`, `title` and `description` under `headers`."""

    status: int
    headers: Headers
    plan: Plan
    title: str = ""
    description: str = ""
    location: str = ""


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


def page_headers(context: RequestContext, policy: ResponsePolicy, visitor_key: bytes) -> Headers:
    """The headers of every page answer: type, no caching, the request id, the security
    policy, and the shell's own cookies when the browser lacks them."""
    https = policy.https
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"x-request-id", context.request_id.encode()),
        *policy.headers(context.nonce),
    ]
    if context.new_visitor:
        headers.append((b"set-cookie", visitor_cookie(context.visitor, visitor_key, https)))
    if context.needs_csrf_cookie:
        headers.append((b"set-cookie", csrf_cookie(https)))
    return headers


def _primary_cookies(primary: Outcome, plan: Plan, https: bool) -> Headers:
    """The primary's Set-Cookie: only the names its configuration allows, scoped to its BFF."""
    allowed = plan.primary.config.cookies  # type: ignore[union-attr]
    cookies = scoped_set_cookies(primary.set_cookies, primary.name, allowed, secure=https)
    return [(b"set-cookie", c.OutputString().encode()) for c in cookies]


def decide(
    plan: Plan,
    primary: Outcome | None,
    blocking: Iterable[Outcome],
    context: RequestContext,
    policy: ResponsePolicy,
    visitor_key: bytes,
) -> Decision:
    """Decide the answer to `plan` for `context` from its `primary`'s outcome and its
    `blocking` ones (the primary's and the required fragments')."""
    headers = page_headers(context, policy, visitor_key)
    if primary is not None:
        if primary.set_cookies:
            headers += _primary_cookies(primary, plan, policy.https)
        if primary.kind == "redirect":
            location = policy.redirect(primary.location)
            if location is not None:
                # No body: the content type goes, everything else (cookies) stays.
                return Decision(primary.status, headers[1:], plan, location=location)
    page = plan.page
    status, title, description = page.status, page.title, ""
    if page.titles:  # most pages have none: one test on their way
        title = page.titles.get(context.locale, title)
    if primary is not None and primary.kind == "redirect":
        status = 503  # a redirect the shell refuses to follow: the primary failed
    elif primary is not None and primary.kind == "not-found":
        status = 404
    elif not all(outcome.usable for outcome in blocking):
        status = 503
    elif primary is not None:
        title = primary.title or title
        description = primary.description
        if primary.assets:
            headers.append((b"link", preload_links(primary.assets)))
    if status == 200:
        return Decision(status, headers, plan, title, description)
    language = context.locale
    return Decision(
        status, headers, error_plan(plan, status, language), error_title(status, language)
    )
