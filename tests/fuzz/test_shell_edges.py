"""The shell's edges fuzzed over real HTTP: page routes, `/_fragment`, `/bff/`, `/_assets/`.

Whatever a client puts in a path or query (random bytes, percent-encoded or not, control
characters, long and repeated parameters), the shell answers below 500, and a page keeps its
header and footer: a parameter may cost the page its content, never the shop around it.
Requests go over a raw socket, so nothing normalises them on the way.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.integration

#: Where a fuzzed path starts; pages must keep their header and footer.
PAGES = ("/", "/product/", "/c/", "/search", "/cart", "/no-such-page/")
OTHERS = ("/_fragment/header", "/_fragment/listing", "/bff/cart/", "/_assets/header/", "/bff/")

raw_bytes = st.binary(max_size=60)
texts = st.text(max_size=40)  # any code point, control characters included
controls = st.text(alphabet=st.characters(max_codepoint=0x9F, categories=["Cc"]), max_size=5)
pieces = st.one_of(
    raw_bytes.map(lambda b: quote_from_bytes(b, safe="")),  # percent-encoded bytes
    texts.map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"), safe="/?=&")),
    controls.map(lambda t: quote_from_bytes(t.encode(), safe="")),
    st.sampled_from(["..%2f", "%2e%2e/", "../", "%00", "%ff", "%c0%af", "SKU-1001", "books"]),
    st.integers(0, 400).map(lambda n: "x" * n),  # long values
)
queries = st.lists(
    st.tuples(st.sampled_from(["q", "page", "sku", "category", "x"]), pieces), max_size=8
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))  # repeated parameters too


@pytest.fixture(scope="module")
def shell(stack) -> str:
    """The shell's URL, once its registry snapshot knows every fragment instance (the stack
    is up when every service answers its health check, a moment before that)."""
    url = stack.url("shell")
    deadline = time.monotonic() + 30
    while get(url, "/bff/cart/")[0] == 503 or get(url, "/_fragment/footer")[0] != 200:
        assert time.monotonic() < deadline, "the shell never learnt of the cart and footer"
        time.sleep(0.2)
    return url


def get(url: str, target: str) -> tuple[int, bytes]:
    """GET `target` exactly as given; the status and the body."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same cases on every run and machine; the examples below pinned
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=st.sampled_from(PAGES + OTHERS), path=pieces, query=queries)
@example(start="/_fragment/listing", path="", query="category=%00")  # was a 502
@example(start="/c/", path="books", query="page=%C2%B2")  # was a 503 page
@example(start="/product/", path="SKU-1015%1b", query="")  # was a 503 page without a frame
@example(start="/bff/", path="%C3%A9/", query="")  # was a 500
@example(start="/search", path="", query="q=AC%2FDC")  # was a 400 page
@example(start="/product/", path="SKU-1001%0a", query="")  # matched the route
@example(start="/_fragment/listing", path="", query="q=%00%01")  # reached the fragment
def test_no_parameter_fails_the_shell_or_a_pages_frame(shell, start, path, query):
    target = start + (path if start.endswith("/") else "") + (f"?{query}" if query else "")
    status, body = get(shell, target)
    assert status < 500, (target, status, body[:300])
    if start in PAGES and status in (200, 400, 404):
        assert b'data-fragment="header"' in body, target
        assert b'data-fragment="footer"' in body, target


@pytest.mark.parametrize(
    "target",
    [
        "/bff/cart/..%2f..%2fhealthz",
        "/bff/cart/%2e%2e%2f%2e%2e%2fhealthz",
        "/_assets/header/%2e%2e%2f%2e%2e%2fhealthz",
        "/bff/cart/../../healthz",
        "/bff/cart/%01",
        "/bff/cart/items%3fx=1",
    ],
)
def test_the_gateway_never_answers_from_outside_a_fragments_prefix(shell, target):
    status, body = get(shell, target)
    assert status == 404, (status, body[:200])
    assert b'"service"' not in body  # not some service's /healthz


def test_the_documented_cart_endpoint_is_reached_through_the_gateway(shell):
    status, body = get(shell, "/bff/cart/")
    assert status == 401, body  # the cart BFF itself: no visitor yet
