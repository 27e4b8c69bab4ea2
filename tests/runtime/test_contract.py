"""The fragment contract's grammar, which the shell, the kit and the registry all use."""

import re

import pytest

from shell.engine.httpclient import encode_headers
from tessera.runtime.contract import (
    DEFAULT_KIND,
    KINDS,
    PLACEHOLDER,
    QUERY_KINDS,
    ROUTE_PLACEHOLDER,
    STRIP_CONTROLS,
    fragment_may_use_cookie,
)

EVERY_CONTROL = "".join(map(chr, [*range(32), *range(127, 160)]))


def test_a_fragment_path_placeholder_is_a_name_and_a_route_one_may_add_a_kind():
    assert PLACEHOLDER.findall("/f/{sku}/{_page2}?q={q}") == ["sku", "_page2", "q"]
    assert ROUTE_PLACEHOLDER.findall("/c/{c:slug}/{p}") == [("c", "slug"), ("p", "")]
    for text in ["{1x}", "{a-b}", "{a.b}", "{}", "{x:int}", "{caf\u00e9}"]:
        assert not PLACEHOLDER.fullmatch(text), text
    for text in ["{x:INT}", "{x:}", "{x:int:str}"]:
        assert not ROUTE_PLACEHOLDER.fullmatch(text), text


@pytest.mark.parametrize(
    ("kind", "value", "in_path", "in_query"),
    [
        ("str", "Kettle \u2014 2 L", True, True),
        ("str", "AC/DC", False, True),
        ("str", "..", False, True),
        ("str", "x\x85", False, False),
        ("str", "x" * 201, False, False),
        ("int", "123456789", True, True),
        ("int", "1e3", False, False),
        ("slug", "red-shoes_2", True, True),
        ("slug", "red shoes", False, False),
    ],
)
def test_each_kind_is_a_grammar_for_a_path_segment_and_for_a_query_value(
    kind, value, in_path, in_query
):
    assert bool(re.fullmatch(KINDS[kind], value)) is in_path
    assert bool(re.fullmatch(QUERY_KINDS[kind], value)) is in_query


def test_the_default_kind_and_the_query_kinds_are_the_path_kinds():
    assert DEFAULT_KIND in KINDS and set(QUERY_KINDS) == set(KINDS)


def test_a_header_value_loses_every_c0_control_but_tab_and_del():
    deleted = {c for c in EVERY_CONTROL if c not in c.translate(STRIP_CONTROLS)}
    assert deleted == {chr(c) for c in [*range(9), *range(10, 32), 127]}
    assert "a\tb\x85".translate(STRIP_CONTROLS) == "a\tb\x85"


def test_a_forwarded_header_reaches_the_fragment_without_control_characters():
    # e.g. a fragment configured to receive `authorization`, sent with a smuggled line
    block = encode_headers({"authorization": "Bearer a\r\nx-admin: 1\x01\x7f"})
    assert block == b"authorization: Bearer ax-admin: 1\r\n"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("reviews_sort", True),
        ("x!#$%&'*+^`|~", True),
        ("CSRFtoken", False),
        ("tessera_visitor", False),
        ("__Host-id", False),
        ("a=b", False),
    ],
)
def test_a_fragment_may_use_token_cookies_but_never_the_shells_own(name, allowed):
    assert fragment_may_use_cookie(name) is allowed
