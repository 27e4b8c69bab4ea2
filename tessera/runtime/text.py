"""One line of text that people read (a name, a street, a review's title): the rule every
service holds it to, spelled once for the fragments' kit and the backend stubs' kit.

A visible line holds at least one character that shows: not only whitespace, control or
format characters (Unicode categories Z*, Cc, Cf: "\u200b" alone, a zero-width space, shows
nothing) or letters drawn blank (the Hangul fillers, the blank braille pattern). It holds
no control character (Cc), no line or paragraph separator (Zl, Zp: it is one line) and no
bidi embedding, override or isolate control (U+202A to U+202E, U+2066 to U+2069), which
reorder the text around them where it is shown: "\u202e" makes a name read backwards, on
an invoice or in an admin page. Format characters between visible ones stay welcome: the
zero-width joiner of an emoji sequence, a soft hyphen, a Korean or accented name's
combining marks (Mn, which show).

`is_visible_line` says it in Python; `VISIBLE_LINE` is the same rule as a regex for the
OpenAPI documents and the fuzz tests' generators, its classes made from the same predicates
over every code point (`char_class`); a test holds them to this Python's Unicode database,
so the two cannot drift apart unseen. `VisibleLine` is the field type the kits' schemas use:
checked by `is_visible_line`, refused in words (`VISIBLE_LINE_RULE`, not the pattern's
hundreds of escapes), documented with the pattern.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterator
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

#: Bidi embedding, override (U+202A to U+202E) and isolate (U+2066 to U+2069) controls.
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
#: Categories of characters that never belong in a line: controls, line and paragraph breaks.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})
#: Categories of characters that show nothing by themselves.
_HIDDEN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
#: Letters and symbols drawn as nothing at all: the Hangul fillers (U+115F, U+1160, U+3164,
#: U+FFA0) and the blank braille pattern (U+2800), a favourite of "empty" names.
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def refused_in_line(char: str) -> bool:
    """Whether `char` may not appear anywhere in a line."""
    return unicodedata.category(char) in _BREAKING or char in BIDI_CONTROLS


def shows(char: str) -> bool:
    """Whether `char` shows something by itself (not whitespace, a control or a format
    character)."""
    return unicodedata.category(char) not in _HIDDEN and char not in BLANK_GLYPHS


def is_visible_line(text: str) -> bool:
    """Whether `text` is one line with something visible in it (the module's rule)."""
    return not any(map(refused_in_line, text)) and any(map(shows, text))


def _ranges(keep: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    """The code points `keep` holds for, as (first, last) runs."""
    first = None
    for code in range(sys.maxunicode + 2):
        kept = code <= sys.maxunicode and keep(chr(code))
        if kept and first is None:
            first = code
        elif not kept and first is not None:
            yield first, code - 1
            first = None


def _escape(code: int) -> str:
    # `\uXXXX` and `\UXXXXXXXX` mean the same to Rust's regex crate, Python's re and
    # hypothesis' generation from a pattern.
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def char_class(keep: Callable[[str], bool]) -> str:
    """A regex class body (without brackets) of the code points `keep` holds for."""
    return "".join(
        _escape(first) if first == last else f"{_escape(first)}-{_escape(last)}"
        for first, last in _ranges(keep)
    )


#: The classes of `VISIBLE_LINE`, spelled out (made by `char_class`, as
#: tests/runtime/test_text.py checks against this Python's Unicode database; computing them
#: at import would cost every service half a second): what a line may not hold anywhere,
#: and what shows nothing by itself.
REFUSED_IN_LINE = r"\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069"
NOT_SHOWING = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    r"\u115f-\u1160\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u2800"
    r"\u3000\u3164\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
#: `is_visible_line` as a pattern (pydantic's Rust engine, too, ends `$` at the very end;
#: every character class is spelled out, since neither Python's re nor JSON Schema know
#: `\p{Cf}`).
VISIBLE_LINE = f"^[^{REFUSED_IN_LINE}]*[^{NOT_SHOWING}][^{REFUSED_IN_LINE}]*$"

#: What a caller is told of a line that breaks the rule.
VISIBLE_LINE_RULE = (
    "must be one line of text with something visible in it, without line breaks, control "
    "characters or bidi controls"
)


def visible_line(text: str) -> str:
    """`text`, if it is a visible line; a validation error in words (type `visible_line`)
    otherwise."""
    if not is_visible_line(text):
        raise PydanticCustomError("visible_line", VISIBLE_LINE_RULE)
    return text


#: A pydantic field of one visible line (add the length bounds with `Field`).
VisibleLine = Annotated[
    str, AfterValidator(visible_line), Field(json_schema_extra={"pattern": VISIBLE_LINE})
]
