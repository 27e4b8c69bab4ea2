"""Fragment markup cannot break out of its box."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shell.engine.containment import contain, contain_body


def test_well_formed_markup_is_unchanged():
    html = '<section class="a"><h2>T &amp; c</h2><img src="x.png" alt=""><br></section>'
    assert contain(html) == html


@pytest.mark.parametrize(
    ("html", "contained"),
    [
        # A browser ends this comment at "<!-->": what follows would be live markup.
        ("<!--><p id=x></div></div></main><p>out<!-- -->", ""),
        ("<p>a<!-- c --></p>", "<p>a</p>"),
        # Inside <svg> a browser reads <style>'s content as markup; this parser as text.
        ("<svg><style></div></div><p>out</style></svg>", "<svg></svg>"),
        ("<plaintext></div></footer>", ""),
        ("<xmp></div><p>x</p></xmp>", "<p>x</p>"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example"><p>x</p>', "<p>x</p>"),
        ('<base href="https://evil.example/"><a href="cart">c</a>', '<a href="cart">c</a>'),
        ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
        (
            '<noscript><p title="</noscript><img src=x>">',
            '<p title="&lt;/noscript&gt;&lt;img src=x&gt;"></p>',
        ),
    ],
)
def test_markup_browsers_read_otherwise_or_that_acts_on_the_page_is_dropped(html, contained):
    assert contain(html) == contained


def test_unclosed_elements_are_closed_and_stray_end_tags_dropped():
    assert contain("<div><p>open") == "<div><p>open</p></div>"
    assert contain("text</div></main>more") == "textmore"
    assert contain("<ul><li>a</ul>") == "<ul><li>a</li></ul>"


def test_broken_tags_stay_text():
    assert contain("<div><a") == "<div>&lt;a</div>"
    assert contain('<a href="x" <div>>t</a>') == '<a href="x">&gt;t</a>'


def test_document_level_tags_are_removed():
    assert contain("<html><body><p>x</p></body></html>") == "<p>x</p>"
    assert contain("<!doctype html><p>x</p></body>") == "<p>x</p>"


tags = st.sampled_from(["div", "p", "span", "section", "body", "html", "main", "ul", "li", "br"])
pieces = st.one_of(
    tags.map(lambda t: f"<{t}>"),
    tags.map(lambda t: f"</{t}>"),
    st.text(alphabet="abc <>&/", max_size=8),
)


@given(st.lists(pieces, max_size=30).map("".join))
def test_any_markup_comes_out_balanced_and_without_document_tags(html):
    out = contain(html)
    for tag in ("div", "p", "span", "section", "main", "ul", "li"):
        assert out.count(f"<{tag}>") == out.count(f"</{tag}>"), (html, out)
    assert "</body>" not in out and "</html>" not in out
    assert contain(out) == out  # balanced markup is a fixed point


def test_bodies_with_a_strong_etag_are_contained_once_per_url_and_etag():
    first = contain_body("http://f/a", '"v1"', b"<div>open")
    assert first == "<div>open</div>"
    # Same URL and ETag: the same entity, served from the cache without decoding again.
    assert contain_body("http://f/a", '"v1"', b"\xff not even utf-8") == first
    # Another URL, or a weak ETag, is decoded and checked afresh.
    assert contain_body("http://f/b", '"v1"', b"<p>b") == "<p>b</p>"
    with pytest.raises(UnicodeDecodeError):
        contain_body("http://f/a", 'W/"v1"', b"\xff")
