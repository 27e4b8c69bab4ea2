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
#: Categories of characters that show nothing by themselves: controls, format characters,
#: separators, private-use code points (no character until a font makes one) and surrogates.
_HIDDEN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs"})
#: Code points drawn as nothing at all: Unicode's default-ignorable code points outside the
#: categories above (the combining grapheme joiner U+034F, the Hangul fillers, the Khmer
#: inherent vowels U+17B4-17B5, the Mongolian and other variation selectors), the blank
#: braille pattern U+2800 (a favourite of "empty" names), and the noncharacters (U+FDD0 to
#: U+FDEF, and the last two of every plane), which are never text. Other unassigned code
#: points show, as a replacement box, until a Unicode version gives them a character.
BLANK_GLYPHS = frozenset(
    map(
        chr,
        [
            0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, *range(0x180B, 0x1810), 0x2800, 0x3164,
            *range(0xFDD0, 0xFDF0), *range(0xFE00, 0xFE10), 0xFFA0, *range(0xE0100, 0xE01F0),
            *(plane + last for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF)),
        ],
    )
)  # fmt: skip
#: What a text of several lines may hold besides what a line may: tabs and line breaks.
LINE_BREAKS = frozenset("\t\n\r")


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


def refused_in_text(char: str) -> bool:
    """Whether `char` may not appear anywhere in a text of several lines: what a line may not
    hold, but tabs and line breaks."""
    return char not in LINE_BREAKS and refused_in_line(char)


def is_visible_text(text: str) -> bool:
    """Whether `text` (a review, several lines) has something visible in it, and no control
    character but tabs and line breaks, and no bidi control."""
    return not any(map(refused_in_text, text)) and any(map(shows, text))


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
REFUSED_IN_TEXT = r"\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069"
NOT_SHOWING = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    r"\u115f-\u1160\u1680\u17b4-\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u2064"
    r"\u2066-\u206f\u2800\u3000\u3164\ud800-\uf8ff\ufdd0-\ufdef\ufe00-\ufe0f\ufeff\uffa0"
    r"\ufff9-\ufffb\ufffe-\uffff\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff\U0003fffe-\U0003ffff"
    r"\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff\U0007fffe-\U0007ffff"
    r"\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff\U000bfffe-\U000bffff"
    r"\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000e0001\U000e0020-\U000e007f"
    r"\U000e0100-\U000e01ef\U000efffe-\U0010ffff"
)
#: `is_visible_line` as a pattern (pydantic's Rust engine, too, ends `$` at the very end;
#: every character class is spelled out, since neither Python's re nor JSON Schema know
#: `\p{Cf}`).
VISIBLE_LINE = f"^[^{REFUSED_IN_LINE}]*[^{NOT_SHOWING}][^{REFUSED_IN_LINE}]*$"
#: `is_visible_text` as a pattern, likewise.
VISIBLE_TEXT = f"^[^{REFUSED_IN_TEXT}]*[^{NOT_SHOWING}][^{REFUSED_IN_TEXT}]*$"

#: What a caller is told of a line that breaks the rule.
VISIBLE_LINE_RULE = (
    "must be one line of text with something visible in it, without line breaks, control "
    "characters or bidi controls"
)
#: What a caller is told of a text (several lines) that breaks the rule.
VISIBLE_TEXT_RULE = (
    "must have something visible in it, without control characters (but tabs and line "
    "breaks) or bidi controls"
)


def _checked(rule: Callable[[str], bool], kind: str, said: str, pattern: str) -> object:
    """A pydantic field type of text that `rule` holds for: refused in words (`said`, of
    type `kind`), documented with `pattern` (the same rule as a regex)."""

    def check(text: str) -> str:
        if not rule(text):
            raise PydanticCustomError(kind, said)
        return text

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": pattern})]


#: A pydantic field of one visible line (add the length bounds with `Field`).
VisibleLine = _checked(is_visible_line, "visible_line", VISIBLE_LINE_RULE, VISIBLE_LINE)
#: A pydantic field of visible text over several lines (a review), likewise.
VisibleText = _checked(is_visible_text, "visible_text", VISIBLE_TEXT_RULE, VISIBLE_TEXT)
