"""One visible line of text (tessera/runtime/text.py): the rule both kits hold names, streets
and titles to, in Python and as the pattern pydantic checks and the OpenAPI documents show."""

import re
import sys
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from tessera.runtime import text as rule
from tessera.runtime.text import VISIBLE_LINE, is_visible_line

LINE = TypeAdapter(Annotated[str, Field(pattern=VISIBLE_LINE)])


class Named(BaseModel):
    """A schema as the kits write them: the field type, bounded in length by `Field`."""

    name: rule.VisibleLine = Field(..., max_length=60)


REFUSED = [
    "",
    " ",
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width (non-)joiners, word joiner, BOM
    "\u00a0\u3000\u2003",  # no-break, ideographic and em spaces
    "\u00ad",  # a soft hyphen alone
    "\U000e0041",  # a tag character alone
    "Ada \u202eecalevoL",  # right-to-left override
    "\u202aAda\u202c",  # left-to-right embedding, pop
    "\u2067Ada\u2069",  # right-to-left isolate, pop
    "Ada\u2028Lovelace",  # line separator
    "Ada\u2029Lovelace",  # paragraph separator
    "Ada\nLovelace",
    "Ada\n",  # a trailing newline too ($ is the very end)
    "Ada\x00",
    "Ada\x85",  # NEL, a C1 control
    "Ada\t",
    "\u3164",  # the Hangul filler: a letter, drawn as nothing
    "\u115f\u1160 \uffa0",  # the other Hangul fillers
    "\u2800\u2800",  # blank braille patterns
]
TAKEN = [
    "Ada",
    " Ada Lovelace ",
    "김민준",  # Korean
    "\u3164김민준",  # a filler beside Korean letters that show
    "Zoë Ågren-Łukasiewicz",  # accented Latin
    "e\u0301",  # a combining accent
    "👩\u200d💻",  # an emoji ZWJ sequence
    "Ada 🇳🇱",
    "Ada\u00adLovelace",  # a soft hyphen inside a word
    "\u200bAda",  # an invisible character beside a visible one
    "عربي",  # right-to-left text, without controls
    "SKU-1001",
]


@pytest.mark.parametrize("text", REFUSED)
def test_text_that_is_not_one_visible_line_is_refused(text):
    assert not is_visible_line(text)
    with pytest.raises(ValidationError):
        LINE.validate_python(text)


@pytest.mark.parametrize("text", TAKEN)
def test_ordinary_lines_are_taken(text):
    assert is_visible_line(text)
    assert LINE.validate_python(text) == text


def test_the_patterns_classes_are_this_pythons_unicode_database():
    """Spelled out in the module; remade here from the predicates (after a Python upgrade
    with a newer Unicode, copy `char_class`'s output into the module)."""
    assert rule.char_class(rule.refused_in_line) == rule.REFUSED_IN_LINE
    not_showing = rule.char_class(lambda c: not rule.shows(c) or rule.refused_in_line(c))
    assert not_showing == rule.NOT_SHOWING


def test_the_pattern_and_the_function_agree_on_every_character():
    """Alone (does it show?) and between visible letters (may it be in a line at all?)."""
    pattern = re.compile(VISIBLE_LINE.removesuffix("$") + r"\Z")
    differ = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF  # surrogates are no text
        for line in (chr(code), f"a{chr(code)}b")
        if bool(pattern.match(line)) != is_visible_line(line)
    ]
    assert differ == []


def test_pydantic_checks_the_pattern_with_its_own_engine():
    """The pattern compiles for pydantic's Rust engine (whose `$` is the very end, unlike
    Python's re), and means the same there."""
    for text in [*REFUSED, *TAKEN]:
        try:
            LINE.validate_python(text)
            taken = True
        except ValidationError:
            taken = False
        assert taken == is_visible_line(text), repr(text)


def test_both_kits_hold_lines_to_this_rule():
    from backends.kit import params as backend_params

    from fragments.kit import params as fragment_params

    assert fragment_params.VisibleLine is rule.VisibleLine
    assert backend_params.VisibleLine is rule.VisibleLine


@pytest.mark.parametrize("text", REFUSED)
def test_the_kits_field_type_refuses_in_words_not_with_the_pattern(text):
    with pytest.raises(ValidationError) as refused:
        Named(name=text)
    (error,) = refused.value.errors()
    assert (error["type"], error["msg"]) == ("visible_line", rule.VISIBLE_LINE_RULE)


def test_the_kits_field_type_takes_lines_and_documents_the_pattern():
    for text in TAKEN:
        assert Named(name=text).name == text
    schema = Named.model_json_schema()["properties"]["name"]
    assert (schema["maxLength"], schema["pattern"]) == (60, VISIBLE_LINE)
    with pytest.raises(ValidationError) as refused:  # its length is checked as a string's
        Named(name="A" * 61)
    assert refused.value.errors()[0]["type"] == "string_too_long"
