from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shell.engine.layout import Marker, Slot, load_layout
from shell.engine.routing import BadParameter, Page, Router, compile_route, quoted


def test_home_layout_compiles_to_static_parts_slots_and_markers():
    layout = load_layout("home.html")
    assert layout.slots == ("header", "hero", "main", "footer")
    assert Marker("title") in layout.parts and Marker("assets") in layout.parts
    html = "".join(p for p in layout.parts if isinstance(p, str))
    assert html.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/shell/tokens.' in html
    assert "\x00" not in html
    # The title comes before the assets, which come before the first slot.
    positions = {p: i for i, p in enumerate(layout.parts) if not isinstance(p, str)}
    assert positions[Marker("title")] < positions[Marker("assets")] < positions[Slot("header")]


def test_routes_capture_one_segment_per_parameter():
    pattern, query = compile_route("/product/{sku}")
    assert query == ()
    assert pattern.fullmatch("/product/SKU-1").groupdict() == {"sku": "SKU-1"}
    assert pattern.fullmatch("/product/a/b") is None
    assert pattern.fullmatch("/product/") is None


def test_router_quotes_parameters_so_they_cannot_change_the_fragment_path():
    router = Router([Page("p", "/product/{sku}", "home.html", "t")])
    page, params = router.match("/product/..%2F..%2Fadmin x")
    assert page.name == "p"
    assert params == {"sku": "..%252F..%252Fadmin%20x"}
    assert router.match("/elsewhere") is None


def test_query_parameters_of_a_route_are_read_quoted_and_empty_when_absent():
    router = Router([Page("search", "/search?q={q}&page={page}", "home.html", "t")])
    page, params = router.match("/search", b"q=red+shoes%26socks&page=2&other=x")
    assert page.name == "search"
    assert params == {"q": "red%20shoes%26socks", "page": "2"}
    assert router.match("/search", b"")[1] == {"q": "", "page": ""}
    assert router.match("/search/more", b"q=a") is None


def test_each_parameter_has_a_grammar_strings_by_default():
    router = Router(
        [
            Page("p", "/product/{sku}", "home.html", "t"),
            Page("c", "/c/{category:slug}?page={page:int}", "home.html", "t"),
        ]
    )
    assert router.match("/product/Kettle — 2 L")[1] == {"sku": "Kettle%20%E2%80%94%202%20L"}
    assert router.match("/product/SKU\x1b") is None  # control characters match no route
    assert router.match("/product/SKU-1\n") is None  # nor a final newline
    assert router.match("/product/SKU\x85") is None
    assert router.match("/product/" + "x" * 201) is None
    assert router.match("/c/books", b"page=12")[1] == {"category": "books", "page": "12"}
    assert router.match("/c/bo oks") is None
    assert router.match("/product/..") is None and router.match("/product/.") is None
    assert router.match("/product/..x")[1] == {"sku": "..x"}
    for bad in (b"page=%C2%B2", b"page=1.5", b"page=-1", b"page=" + b"9" * 10):
        with pytest.raises(BadParameter) as refused:
            router.match("/c/books", bad)
        assert refused.value.name == "page"


def test_a_route_with_an_unknown_parameter_kind_is_refused():
    with pytest.raises(ValueError, match="unknown parameter kind 'float'"):
        compile_route("/p/{x:float}")


@given(st.text())
def test_route_values_are_quoted_exactly_as_urllib_quotes_one_component(value):
    assert quoted(value) == quote(value, safe="")
