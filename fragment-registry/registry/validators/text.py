"""The registry's rules for strings that end up in URLs, headers and pages: names, versions,
paths and routes, header and cookie names, and free text.

What a shell or the fragment kit must be able to use (template placeholders, parameter
kinds, headers and cookies) is checked against the fragment contract they use too
(`tessera.runtime.contract`).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from tessera.runtime.contract import (
    COOKIE_NAME,
    HOP_BY_HOP,
    KINDS,
    LAYOUT_NAME,
    PLACEHOLDER,
    QUERY_KINDS,
    ROUTE_PLACEHOLDER,
    SHELL_COOKIES,
)
from tessera.runtime.text import refused_in_line, shows

#: Fragment and page names: they appear in URLs (`/bff/<name>/`) and headers.
NAME = r"[a-z][a-z0-9-]{0,62}"
#: Version labels (as `manage.py deploy --version` takes them): shown, compared, logged.
VERSION = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
#: A shell's id in its breaker reports (e.g. its host:port): visible ASCII, at most 100.
SHELL_ID = r"[!-~]{1,100}"

validate_name = RegexValidator(
    rf"\A{NAME}\Z", "use lower-case letters, digits and '-', starting with a letter (at most 63)"
)
validate_version = RegexValidator(
    rf"\A{VERSION}\Z",
    "use letters, digits, '.', '_' and '-', starting with a letter or a digit (at most 64)",
)

#: Any text in braces: a placeholder if the contract's grammar takes it, else named as the
#: reason a template is refused.
_BRACED = re.compile(r"\{[^{}]*\}")
# RFC 3986: what a path segment (pchar) and a query may carry besides percent-escapes.
_PCHAR = "-A-Za-z0-9._~!$&'()*+,;=:@"
_PATH = re.compile(rf"(?:[{_PCHAR}/]|%[0-9A-Fa-f]{{2}})*")
_QUERY = re.compile(rf"(?:[{_PCHAR}/?]|%[0-9A-Fa-f]{{2}})*")
_HEADER_NAME = re.compile(r"[a-z0-9-]+")


def _describe(char: str) -> str:
    """How messages name a character that is not allowed somewhere."""
    if char in "\r\n":
        return "a line break"
    if char == "\t":
        return "a tab"
    if char == " ":
        return "a space"
    if ord(char) < 32 or 127 <= ord(char) < 160:
        return f"a control character ({char!r})"
    if refused_in_line(char):  # U+2028, U+2029, and the bidi controls that reorder text
        return f"a line separator or bidi control (U+{ord(char):04X})"
    if char.isspace():
        return f"whitespace ({char!r})"
    if ord(char) > 127:
        return f"a non-ASCII character ({char!r})"
    return repr(char)


def _refuse(value: str, index: int, what: str) -> ValidationError:
    char = _describe(value[index])
    return ValidationError(f"{what} must not contain {char} (position {index + 1})")


def check_printable_ascii(value: str, what: str) -> None:
    """Refuse control characters, whitespace and non-ASCII: what URLs never carry raw."""
    for index, char in enumerate(value):
        if not 32 < ord(char) < 127:
            raise _refuse(value, index, what)


def _check_pattern(value: str, pattern: re.Pattern[str], what: str) -> None:
    """Refuse the first character of `value` that `pattern` does not take, if any."""
    match = pattern.match(value)
    index = match.end() if match else 0
    if index < len(value):
        if value[index] == "%":
            raise ValidationError(f"{what} has a '%' not followed by two hex digits")
        raise _refuse(value, index, what)


def check_path(path: str, what: str) -> None:
    """A URL path: RFC 3986 characters, no empty segment but a final one, no '.' or '..'."""
    _check_pattern(path, _PATH, what)
    segments = path.split("/")[1:]
    if "" in segments[:-1]:
        raise ValidationError(f"{what} must not contain '//' (an empty segment)")
    # Escaped dots are dots to a server that decodes before it resolves the path.
    if {".", ".."} & {unquote(segment) for segment in segments}:
        raise ValidationError(f"{what} must not contain '.' or '..' segments, escaped or not")


def check_query(query: str, what: str) -> None:
    """A URL query: RFC 3986 characters (no '#': fragment identifiers are never sent)."""
    _check_pattern(query, _QUERY, what)


def validate_shell_id(value: str) -> None:
    """A shell's id (`SHELL_ID`), shown in the admin and logs: 1 to 100 visible ASCII
    characters (e.g. `10.0.0.5:8000`), no whitespace or control characters."""
    if not 1 <= len(value) <= 100:
        raise ValidationError("a shell id has 1 to 100 characters")
    check_printable_ascii(value, "a shell id")


def validate_single_line(value: str) -> None:
    """One line of text (titles, owners): any language; no control character, line or
    paragraph separator, or bidi control (the rule of tessera/runtime/text.py, which the
    storefront's lines keep too: a title shows in every page's <title> and the admin)."""
    for index, char in enumerate(value):
        if refused_in_line(char):
            raise _refuse(value, index, "this text")


def validate_text(value: str) -> None:
    """Free text (descriptions, fallback HTML): lines and tabs, no other control characters
    (a NUL byte, for one, cannot even be stored in PostgreSQL)."""
    for index, char in enumerate(value):
        if (ord(char) < 32 and char not in "\t\n\r") or 127 <= ord(char) < 160:
            raise _refuse(value, index, "this text")


def validate_path_template(value: str) -> None:
    """A fragment path: absolute, URL path and query characters, `{name}` placeholders for
    route parameters (the shell fills in URL-quoted values)."""
    what = "path template"
    check_printable_ascii(value, what)
    if not value.startswith("/"):
        raise ValidationError(f"{what} must start with '/'")
    for braced in _BRACED.findall(value):
        if not PLACEHOLDER.fullmatch(braced):
            raise ValidationError(f"placeholder {braced} is not a valid parameter name")
    bare = _BRACED.sub("x", value)
    if "{" in bare or "}" in bare:
        raise ValidationError(f"{what} has an unbalanced '{{' or '}}'")
    path, _, query = bare.partition("?")
    check_path(path, what)
    check_query(query, what)


def template_parameters(template: str, *, optional: bool = True) -> set[str]:
    """The `{name}` parameters of a route or path template; `optional=False` leaves out those
    of the query part, which the shell fills with "" when a page's route lacks them."""
    if not optional:
        template = template.partition("?")[0]
    return {name for name, _ in ROUTE_PLACEHOLDER.findall(template)}


def validate_route(value: str) -> None:
    """A page route: a path template whose `{name}` placeholders are each a whole path
    segment, with an optional query part of `name={name}` pairs naming the query
    parameters the page reads, each parameter named once. A placeholder may name its kind,
    one of the contract's: `{page:int}`."""
    for braced in _BRACED.findall(value):
        _, colon, kind = braced[1:-1].partition(":")
        if colon and kind not in KINDS:
            raise ValidationError(f"{braced}: the kind of a parameter is one of {', '.join(KINDS)}")
    value = ROUTE_PLACEHOLDER.sub(r"{\1}", value)
    validate_path_template(value)
    named = PLACEHOLDER.findall(value)
    # A shell cannot compile a path that captures one name twice, and a query parameter
    # would replace the path's value of the same name.
    if repeated := sorted({name for name in named if named.count(name) > 1}):
        raise ValidationError(f"route names parameter {{{repeated[0]}}} more than once")
    path, _, query = value.partition("?")
    for segment in path.split("/"):
        if "{" in segment and not PLACEHOLDER.fullmatch(segment):
            raise ValidationError(f"route segment {segment!r} must be a whole {{parameter}}")
    for pair in query.split("&") if query else ():
        name, _, placeholder = pair.partition("=")
        if placeholder != f"{{{name}}}" or not name.isidentifier():
            raise ValidationError(
                f"route query part {pair!r} must have the form name={{name}}, e.g. ?q={{q}}"
            )


def names(value: str) -> list[str]:
    """The items of a comma-separated list of names, as the snapshot hands them to shells."""
    return [item.strip(" ") for item in value.split(",") if item.strip(" ")]


def validate_forward_headers(value: str) -> None:
    """Request headers a fragment receives: header names, never hop-by-hop ones."""
    for name in (item.lower() for item in names(value)):
        if not _HEADER_NAME.fullmatch(name):
            raise ValidationError(f"{name!r} is not a header name")
        if name in HOP_BY_HOP:
            raise ValidationError(f"{name!r} is a hop-by-hop header and is never forwarded")


def validate_cookie_names(value: str) -> None:
    """Cookies a fragment's BFF may set (scoped to `/bff/<fragment>/`): RFC 6265 names,
    never the shell's own, and no `__Host-` cookie (which must have `Path=/`)."""
    for name in names(value):
        if not COOKIE_NAME.fullmatch(name):
            raise ValidationError(
                f"{name!r} is not a cookie name (letters, digits and !#$%&'*+-.^_`|~ only)"
            )
        if name.lower() in SHELL_COOKIES:
            raise ValidationError(f"{name!r} is the shell's own cookie, never a fragment's")
        if name.lower().startswith("__host-"):
            raise ValidationError(
                f"{name!r}: a __Host- cookie needs Path=/, but a fragment's cookies are "
                "scoped to its /bff/<fragment>/"
            )


#: A language a page may have its own title in (`Page.titles`): a lower-case tag of 2 or 3
#: letters and an optional subtag, as the shop's languages are named (`ko`, `pt-br`).
LANGUAGE = r"[a-z]{2,3}(?:-[a-z0-9]{1,8})?"
#: Most languages a page has titles in, and the longest title (as the page's own `title`).
MAX_TITLES = 16
TITLE_CHARS = 200


def validate_titles(value: object) -> None:
    """A page's titles in other languages: an object of at most `MAX_TITLES` language tags
    (`LANGUAGE`) to one line of text each (1 to `TITLE_CHARS` characters).

    An error about one entry names its language, and gives it as the error's `key` param
    too: the API's refusal and the configuration's problem name the place (`titles.ko`)."""
    if not isinstance(value, dict):
        raise ValidationError('titles are an object of languages to titles: {"ko": "장바구니"}')
    if len(value) > MAX_TITLES:
        raise ValidationError(f"a page has titles in at most {MAX_TITLES} languages")
    for key, title in value.items():
        if not isinstance(key, str) or not re.fullmatch(LANGUAGE, key):
            raise _title_error(key, "%(key)r is not a language tag (lower-case: ko, pt-br)")
        if not isinstance(title, str):
            raise _title_error(key, "the title in %(key)r must be text")
        if not any(map(shows, title)):  # blank, or only characters that show nothing
            raise _title_error(key, "the title in %(key)r is empty")
        if len(title) > TITLE_CHARS:
            raise _title_error(key, f"the title in %(key)r is longer than {TITLE_CHARS} characters")
        try:
            validate_single_line(title)
        except ValidationError as exc:
            raise _title_error(key, "the title in %(key)r: %(reason)s", exc.messages[0]) from None


def within(error: ValidationError) -> list[str]:
    """Where inside its field a (single) error is, when its validator says so with a `key`
    param (a title's language), as the API's and the configuration's places name it:
    `titles.ko`."""
    key = (error.params or {}).get("key") if hasattr(error, "message") else None
    return [] if key is None else [str(key)]


def _title_error(key: object, message: str, reason: str = "") -> ValidationError:
    """The refusal of the entry `key` of a page's titles: `message` is formatted with the key
    (and a `reason`, which may hold a '%' of its own), as Django formats a message with
    params."""
    return ValidationError(message, code="title", params={"key": key, "reason": reason})


#: A layout's name, as the shell's layouts folder has the template: `home.html`.
LAYOUT = LAYOUT_NAME
#: A slot's name in a layout (what the shell's `slot("...")` takes).
SLOT = r"[A-Za-z0-9_-]{1,63}"
#: Most slots a layout may have, and most parameters a placement may fix.
MAX_SLOTS = 50
MAX_PARAMS = 20

validate_layout_name = RegexValidator(
    rf"\A{LAYOUT}\Z",
    "a layout is a template file name: lower-case letters, digits, '_' and '-', ending in "
    "'.html' (e.g. home.html)",
)
validate_slot_name = RegexValidator(
    rf"\A{SLOT}\Z", "a slot name has 1 to 63 letters, digits, '_' and '-'"
)


def validate_slot_names(value: object) -> None:
    """A layout's slots: a list of distinct slot names (`SLOT`), at most `MAX_SLOTS`."""
    if not isinstance(value, list) or not all(isinstance(slot, str) for slot in value):
        raise ValidationError("slots are a list of slot names")
    if len(value) > MAX_SLOTS:
        raise ValidationError(f"a layout has at most {MAX_SLOTS} slots")
    for slot in value:
        try:
            validate_slot_name(slot)
        except ValidationError as exc:  # its own code: a JSONField words "invalid" as bad JSON
            raise ValidationError(f"slot {slot!r}: {exc.messages[0]}", code="slot") from None
    if repeated := sorted({slot for slot in value if value.count(slot) > 1}):
        raise ValidationError(f"slot {repeated[0]!r} is named more than once")


#: What a placement's fixed parameter value may hold: what a route's query value may.
_PARAM_VALUE = re.compile(rf"\A{QUERY_KINDS['str']}\Z")


def validate_placement_params(value: object) -> None:
    """A placement's own parameters for its fragment's path: an object of at most
    `MAX_PARAMS` names (template parameter names) to printable text values (1 to 200)."""
    if not isinstance(value, dict):
        raise ValidationError("parameters are an object of names to text values")
    if len(value) > MAX_PARAMS:
        raise ValidationError(f"a placement fixes at most {MAX_PARAMS} parameters")
    for name, text in value.items():
        if not isinstance(name, str) or not PLACEHOLDER.fullmatch(f"{{{name}}}"):
            raise ValidationError(f"parameter name {name!r} is not a valid parameter name")
        if not isinstance(text, str) or not _PARAM_VALUE.match(text):
            raise ValidationError(
                f"parameter {name}: a value is text of 1 to 200 characters, no control characters"
            )
