"""The browser-side retry of fragments that failed on the server: the placeholder markup,
the script that reads it, and the path it asks.

A failed non-primary fragment with no fallback becomes an empty box naming
`/_fragment/<name>?<route parameters>`; the script at the end of the page fetches each such
URL and puts what comes back in the box (see single_fragment.py for the answering side).
When that fails too, the box says so in the page's language (`RETRY_NOTE`), where it would
otherwise stay empty: a buy box that just is not there leaves a shopper looking for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from html import escape

from django.utils import translation
from django.utils.translation import gettext_noop

from shell.engine.outcome import Outcome

#: Where the shell serves one fragment on its own (for retries and the admin's previews).
FRAGMENT_PREFIX = "/_fragment/"
#: The attribute naming the URL a placeholder is filled from.
RETRY_ATTRIBUTE = "data-tessera-retry"

#: What a box says when the browser's retry failed too.
RETRY_NOTE = gettext_noop("This part of the page could not be loaded. Reloading may bring it.")
#: The class of such a box (the shell's stylesheet shows it as a quiet note).
FAILED_CLASS = "tessera-retry--failed"

#: Asks the shell again, from the browser, for fragments that failed on the server; `%s` is
#: what a box says when that fails too (a JSON string).
_RETRY_SCRIPT = (
    f"document.querySelectorAll('[{RETRY_ATTRIBUTE}]').forEach(function(e){{"
    f"function f(){{e.textContent=%s;e.classList.add('{FAILED_CLASS}')}}"
    f"fetch(e.getAttribute('{RETRY_ATTRIBUTE}')).then(function(r){{return r.ok?r.text():''}})"
    ".then(function(h){if(!h)return f();var t=document.createElement('template');"
    "t.innerHTML=h;t.content.querySelectorAll('script').forEach(function(o){var n="
    "document.createElement('script');Array.prototype.forEach.call(o.attributes,"
    "function(a){n.setAttribute(a.name,a.value)});n.textContent=o.textContent;"
    "o.replaceWith(n)});e.replaceWith(t.content)}).catch(f)})"
)


@cache
def retry_script(language: str) -> str:
    """The retry script of a page in `language` (one of the shop's)."""
    with translation.override(language):
        note = translation.gettext(RETRY_NOTE)
    # As a JSON string in a script element: `<` escaped, so no `</script>` can end it early.
    return _RETRY_SCRIPT % json.dumps(note).replace("<", "\\u003c")


def placeholder(name: str, params: Mapping[str, str], error: str, elapsed: float = 0.0) -> Outcome:
    """An empty box from which the browser asks the shell for fragment `name` again, with the
    route's `params` (URL-quoted already)."""
    query = "&".join(f"{key}={value}" for key, value in params.items())
    url = FRAGMENT_PREFIX + name + (f"?{query}" if query else "")
    html = f'<div class="tessera-retry" {RETRY_ATTRIBUTE}="{escape(url, quote=True)}"></div>'
    return Outcome(name, "placeholder", html, elapsed, error=error)
