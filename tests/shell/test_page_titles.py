"""A page's titles by language: read from the snapshot, and the one of the request's language
taken when the primary gives none (decision.py)."""

from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.decision import decide
from shell.engine.locale import Locales
from shell.engine.outcome import Outcome
from shell.engine.plan import make_plan
from shell.engine.routing import Page
from shell.engine.security import ResponsePolicy
from shell.snapshot import Snapshot
from shell.snapshot.parse import page

KEY = b"visitor-key"
LOCALES = Locales(("en", "ko"))
CART = {
    "name": "cart", "route": "/cart", "layout": "cart.html", "title": "Your cart",
    "titles": {"ko": "장바구니"}, "slots": {"main": ["cart"]},
}  # fmt: skip
FRAGMENTS = {
    "cart": FragmentConfig("cart"),
    "product": FragmentConfig("product", "/p/{sku}", primary=True),
}


def test_a_pages_titles_are_read_from_the_snapshot():
    assert page(CART).titles == {"ko": "장바구니"}
    snapshot = Snapshot.from_json({"fragments": [], "pages": [CART]}, '"e1"')
    found, _ = snapshot.site.router.match("/cart")
    assert (found.title, found.titles) == ("Your cart", {"ko": "장바구니"})


def test_a_page_without_titles_has_none():
    entry = {key: value for key, value in CART.items() if key != "titles"}
    assert page(entry).titles == {}  # the registry leaves the key out: most pages
    assert page({**entry, "titles": {}}).titles == {}
    assert Page("p", "/p", "cart.html", "P").titles == {}


def _context(**headers: str):
    raw = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return request_context(raw, "/", visitor_key=KEY, locales=LOCALES)


def _title(page_: Page, context, primary: Outcome | None = None) -> str:
    plan = make_plan(page_, {"sku": "S1"}, FRAGMENTS)
    blocking = [primary] if primary is not None else []
    decision = decide(plan, primary, blocking, context, ResponsePolicy(), KEY)
    assert decision.status == 200
    return decision.title


def test_a_korean_request_gets_the_korean_title_and_others_the_pages_own():
    cart = page(CART)
    assert _title(cart, _context(cookie="tessera_locale=ko")) == "장바구니"
    assert _title(cart, _context(accept_language="ko-KR,ko;q=0.9")) == "장바구니"
    assert _title(cart, _context(cookie="tessera_locale=en")) == "Your cart"
    assert _title(cart, _context()) == "Your cart"
    # A language the page has no title in: its own.
    german = Page("cart", "/cart", "cart.html", "Your cart", {"main": ("cart",)},
                  titles={"de": "Warenkorb"})  # fmt: skip
    assert _title(german, _context(cookie="tessera_locale=ko")) == "Your cart"


def test_the_primarys_own_title_still_wins_in_every_language():
    product = Page("product", "/product/{sku}", "product.html", "Product",
                   {"product": ("product",)}, titles={"ko": "상품"})  # fmt: skip
    korean = _context(cookie="tessera_locale=ko")
    titled = Outcome("product", "ok", "<p>lamp</p>", title="노르딕 램프")
    assert _title(product, korean, titled) == "노르딕 램프"
    # A primary without a title leaves the page's, in the page's language.
    untitled = Outcome("product", "ok", "<p>lamp</p>")
    assert _title(product, korean, untitled) == "상품"
    assert _title(product, _context(), untitled) == "Product"
