"""One visible line of text (tessera/runtime/text.py): the rule both kits hold names, streets
and titles to, in Python, as the field types the kits use and as the patterns the OpenAPI
documents show."""

import re
import sys

import pytest
from pydantic import BaseModel, Field, ValidationError

from tessera.runtime import text as rule
from tessera.runtime.text import VISIBLE_LINE, is_visible_line


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
    "\u034f",  # the combining grapheme joiner: a mark that draws nothing
    "\ufe0f\ufe0f",  # variation selectors, alone
    "\U000e0100",  # a variation selector of the supplement
    "\u3164\u034f",  # a filler and a joiner
    "\u17b4",  # a Khmer inherent vowel
    "\uffff",  # a noncharacter
    "\ue000\U000f0000",  # private-use code points
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


@pytest.mark.parametrize("text", TAKEN)
def test_ordinary_lines_are_taken(text):
    assert is_visible_line(text)


def test_the_patterns_classes_are_this_pythons_unicode_database():
    """Spelled out in the module; remade here from the predicates (after a Python upgrade
    with a newer Unicode, copy `char_class`'s output into the module)."""
    assert rule.char_class(rule.refused_in_line) == rule.REFUSED_IN_LINE
    assert rule.char_class(rule.refused_in_text) == rule.REFUSED_IN_TEXT
    not_showing = rule.char_class(lambda c: not rule.shows(c) or rule.refused_in_line(c))
    assert not_showing == rule.NOT_SHOWING


@pytest.mark.parametrize(
    ("pattern", "agrees"),
    [(VISIBLE_LINE, is_visible_line), (rule.VISIBLE_TEXT, rule.is_visible_text)],
    ids=["line", "text"],
)
def test_the_patterns_and_the_functions_agree_on_every_character(pattern, agrees):
    """Alone (does it show?) and between visible letters (may it be there at all?)."""
    compiled = re.compile(pattern.removesuffix("$") + r"\Z")
    differ = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF  # surrogates are no text
        for line in (chr(code), f"a{chr(code)}b")
        if bool(compiled.match(line)) != agrees(line)
    ]
    assert differ == []


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


class Review(BaseModel):
    body: rule.VisibleText = Field(..., max_length=4000)


@pytest.mark.parametrize(
    "body",
    [
        "Boils a litre in two minutes.\nQuiet, too.\r\n\tRecommended.",
        "좋아요!\n\n정말 조용해요.",
        "👍",
    ],
)
def test_a_text_of_several_lines_with_something_visible_is_taken(body):
    assert rule.is_visible_text(body) and Review(body=body).body == body


@pytest.mark.parametrize(
    "body",
    [
        "\u200b" * 12,  # zero-width spaces
        "\u3164" * 12,  # Hangul fillers
        "\u2800" * 12,  # blank braille
        " \n\t\r\n   ",  # only whitespace
        "\u202egnihtemos sdaer",  # a right-to-left override
        "Fine\x1b[2J text",  # a terminal escape
        "Fine\u2028text",  # a line separator: a review breaks lines with \n
    ],
)
def test_a_text_with_nothing_visible_or_with_controls_is_refused_in_words(body):
    assert not rule.is_visible_text(body)
    with pytest.raises(ValidationError) as refused:
        Review(body=body)
    (error,) = refused.value.errors()
    assert (error["type"], error["msg"]) == ("visible_text", rule.VISIBLE_TEXT_RULE)
