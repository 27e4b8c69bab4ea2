"""`manage.py trace` over a running stack: a product page's request, followed through the
combined log from the shell to a fragment service to a backend."""

import time

import httpx
import pytest

from tessera.ops.combinedlog import log_files
from tessera.ops.tracelog import Span, build, read, render

pytestmark = pytest.mark.integration

#: A product no other test asks for: the shell has no cached copy of its fragments.
PAGE = "/product/SKU-1017"


def _spans(nodes):
    for node in nodes:
        if isinstance(node, Span):
            yield node
            yield from _spans(node.children)


def _page_span(stack, request_id: str, timeout: float = 10.0) -> Span:
    """The page's span once a fragment's span with a backend's under it is in the log (the
    services' lines reach it a little after the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        top = build(read(log_files(stack.log_path), request_id))
        page = next((s for s in top if isinstance(s, Span) and s.service == "shell"), None)
        if page is not None and any(
            fragment.service.endswith("-fragment") and any(_spans(fragment.children))
            for fragment in _spans(page.children)
        ):
            return page
        if time.monotonic() > deadline:
            pytest.fail(
                f"no shell → fragment → backend path for {request_id}:\n" + "\n".join(render(top))
            )
        time.sleep(0.2)


def test_a_product_page_is_traced_from_the_shell_through_a_fragment_to_a_backend(stack):
    response = httpx.get(stack.url("shell") + PAGE, timeout=10)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    page = _page_span(stack, request_id)
    assert (page.method, page.path, page.status, page.parent_span_id) == ("GET", PAGE, 200, "")
    product = next(
        s for s in page.children if isinstance(s, Span) and s.service == "product-fragment"
    )
    assert product.parent_span_id == page.span_id
    assert "catalog" in {s.service for s in product.children if isinstance(s, Span)}
    lines = render([page])
    assert lines[0].startswith("shell ")
    assert any("product-fragment" in line for line in lines[1:])
