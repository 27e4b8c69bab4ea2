"""Which language a fragment answers in: the one the shell chose for the page.

The shell picks each page's language from the shop's (`TESSERA_LOCALES`: the visitor's
choice, else their browser's) and sends it to every fragment as `x-tessera-locale`, and its
gateway sends it to BFFs the same way. The kit renders every fragment and answers every BFF
call within that language (Django's translation machinery, each fragment's own catalog in
`fragments/<name>/locale/`), so a fragment's own code only marks its text for translation.

A fragment's HTML follows `x-tessera-locale` alone, which it varies on (fragments/kit/views.py):
anything else it read would have to be in the shell cache's key too. A BFF call, which the
shell never caches, falls back to the browser's `Accept-Language` when the header is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router

from tessera.runtime.env import env_list

#: The request header carrying the page's language (the shell's context header).
LOCALE_HEADER = "x-tessera-locale"
#: The languages fragments are written in, the first the default (Django's `LANGUAGES`).
LANGUAGES = (("en", "English"), ("ko", "한국어"))
DEFAULT = LANGUAGES[0][0]
_CODES = frozenset(code for code, _ in LANGUAGES)


def shop_languages() -> list[tuple[str, str]]:
    """The shop's languages (`TESSERA_LOCALES`, as the shell reads it) that fragments are
    written in, each with its own name, in the shop's order: what the language switch offers."""
    names = dict(LANGUAGES)
    shop = env_list("TESSERA_LOCALES", [code for code, _ in LANGUAGES])
    return [(code, names[code]) for code in (c.lower() for c in shop) if code in names]


def page_language(request: HttpRequest) -> str:
    """The language of a fragment request: `x-tessera-locale` when it is one of ours, else
    the default (never the browser's own headers: the answer varies on this one only)."""
    language = request.headers.get(LOCALE_HEADER, "")
    return language if language in _CODES else DEFAULT


def bff_language(request: HttpRequest) -> str:
    """The language of a BFF call: `x-tessera-locale` when it is one of ours, else the first
    of `Accept-Language` (by q-value, `ko-KR` counting as `ko`) that we have, else the default."""
    language = request.headers.get(LOCALE_HEADER, "")
    if language in _CODES:
        return language
    accepted = translation.trans_real.parse_accept_lang_header(
        request.headers.get("accept-language", "")
    )
    for tag, _ in accepted:
        primary = tag.split("-")[0]
        if primary in _CODES:
            return primary
    return DEFAULT


def speaking(run: Callable[..., Any]) -> Callable[..., Any]:
    """A BFF operation's whole run (validation, the view, its error answers) in the call's
    language: a ninja view decorator (`Router.add_decorator(speaking, mode="view")`)."""
    if asyncio.iscoroutinefunction(run):

        @wraps(run)
        async def run_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            with translation.override(bff_language(request)):
                return await run(request, *args, **kwargs)

        return run_async

    @wraps(run)
    def run_sync(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with translation.override(bff_language(request)):
            return run(request, *args, **kwargs)

    return run_sync


def localize(bff: Router) -> None:
    """Make every operation of `bff` answer in its caller's language."""
    bff.add_decorator(speaking, mode="view")
