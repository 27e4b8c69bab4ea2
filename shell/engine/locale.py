"""Which of the shop's languages a page is in: the visitor's choice, else their browser's.

Fragments get one of the shop's languages (`x-tessera-locale`), never the browser's raw tag:
a fragment renders in it, and the shell's cache keeps one copy per language, not one per
`en-US`, `en-GB`, `en`. A visitor chooses with the language switch (`/_locale/<language>`,
served by the page handler), which sets the `tessera_locale` cookie; without it, the
browser's `Accept-Language` decides (its preferences in order of their q-values, a tag or
its primary language matching); without either, the shop's first language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: The cookie holding the visitor's chosen language.
LOCALE_COOKIE = "tessera_locale"
#: Where the language switch sends the browser: `/_locale/<language>?next=<path>`.
LOCALE_PREFIX = "/_locale/"
#: A year: a chosen language is kept until chosen again.
COOKIE_MAX_AGE = 365 * 24 * 3600

_COOKIE = re.compile(rf"(?:^|;)\s*{LOCALE_COOKIE}=([a-z]{{2,8}})(?:;|$)")
_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
#: Distinct Accept-Language values remembered (browsers send few), each at most so long:
#: the memo holds at most a quarter of a megabyte, whatever clients send.
_MEMO_SIZE = 1024
_MEMO_KEY = 256


class Locales:
    """The shop's languages, the first its default, and the choice of one per request."""

    def __init__(self, languages: Sequence[str] = ("en",)) -> None:
        if not languages:
            raise ValueError("the shop needs at least one language")
        self.languages = tuple(language.lower() for language in languages)
        self.default = self.languages[0]
        self._choice: dict[str, str] = {}

    def choose(self, accept_language: str | None, cookies: str | None) -> str:
        """The language of a request with these `Accept-Language` and `Cookie` values."""
        chosen = _COOKIE.search(cookies) if cookies is not None else None
        if chosen is not None and chosen[1] in self.languages:
            return chosen[1]
        if not accept_language:
            return self.default
        choice = self._choice.get(accept_language)
        if choice is None:
            choice = self._best(accept_language)
            if len(accept_language) <= _MEMO_KEY:  # what browsers send, not a padded attack
                if len(self._choice) >= _MEMO_SIZE:
                    self._choice.clear()
                self._choice[accept_language] = choice
        return choice

    def _best(self, accept_language: str) -> str:
        """The first of the browser's languages, by q-value, that the shop has."""
        ranked = []
        for position, item in enumerate(accept_language.split(",")[:32]):
            tag, _, parameters = item.strip().partition(";")
            if not _TAG.fullmatch(tag):
                continue
            quality = 1.0
            name, _, value = parameters.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    continue
            if quality > 0:
                ranked.append((-quality, position, tag.lower()))
        for _, _, tag in sorted(ranked):
            for candidate in (tag, tag.split("-")[0]):
                if candidate in self.languages:
                    return candidate
        return self.default

    def cookie(self, language: str, *, secure: bool) -> bytes:
        """The `Set-Cookie` value keeping `language` (one of the shop's)."""
        flags = "; Secure" if secure else ""
        value = f"{LOCALE_COOKIE}={language}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax"
        return (value + flags).encode()
