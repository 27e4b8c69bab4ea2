"""What a page answers once its blocking fragments are in (decision.py), decided from hand-made
outcomes: no fetching, no sending."""

from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.decision import decide
from shell.engine.outcome import Outcome
from shell.engine.plan import error_page, error_plan, make_plan
from shell.engine.routing import Page
from shell.engine.security import ResponsePolicy

PAGE = Page("p", "/product/{sku}", "product.html", "Shop", {
    "header": ("header",), "product": ("product",), "buybox": ("buybox",),
    "reviews": ("reviews",), "footer": ("footer",),
})  # fmt: skip
FRAGMENTS = {
    "header": FragmentConfig("header"),
    "product": FragmentConfig("product", "/p/{sku}", primary=True, cookies=("pref",)),
    "buybox": FragmentConfig("buybox", "/b/{sku}", required=True),
    "reviews": FragmentConfig("reviews", "/r/{sku}"),
    "footer": FragmentConfig("footer"),
}
PLAN = make_plan(PAGE, {"sku": "S1"}, FRAGMENTS)
POLICY = ResponsePolicy(redirect_hosts=("shop.example",))
KEY = b"visitor-key"


def context(cookie: bytes = b""):
    headers = [(b"cookie", cookie)] if cookie else []
    return request_context(headers, "/product/S1", visitor_key=KEY)


def ok(name: str, **fields) -> Outcome:
    return Outcome(name, "ok", f"<p>{name}</p>", **fields)


def decision_for(primary: Outcome, *required: Outcome, cookie: bytes = b""):
    blocking = [primary, *(required or (ok("buybox"),))]
    return decide(PLAN, primary, blocking, context(cookie), POLICY, KEY)


def test_a_page_whose_blocking_fragments_are_usable_keeps_its_plan_and_takes_the_title():
    primary = ok("product", title="Kettle", description="A kettle")
    decision = decision_for(primary, Outcome("buybox", "fallback", "<p>later</p>"))
    assert (decision.status, decision.plan, decision.location) == (200, PLAN, "")
    assert (decision.title, decision.description) == ("Kettle", "A kettle")
    assert (b"content-type", b"text/html; charset=utf-8") in decision.headers


def test_a_primary_without_a_title_leaves_the_pages_own():
    assert decision_for(ok("product")).title == "Shop"


def test_a_failed_required_fragment_makes_a_503_keeping_only_header_and_footer():
    decision = decision_for(ok("product"), Outcome("buybox", "placeholder", "<div></div>"))
    assert decision.status == 503
    assert decision.title == "Temporarily unavailable"
    assert decision.plan.page.layout == "503.html"
    assert [p.name for p in decision.plan.placements] == ["header", "footer"]
    # The same placements, whose fetches are already running: nothing is fetched twice.
    assert decision.plan.slots["header"] == PLAN.slots["header"]
    assert decision.plan.blocking == () and decision.plan.primary is None


def test_the_primarys_404_is_the_pages_404():
    decision = decision_for(Outcome("product", "not-found", status=404))
    assert (decision.status, decision.plan.page.layout) == (404, "404.html")
    assert decision.title == "Page not found"


def test_a_redirect_to_an_allowed_place_is_followed_without_a_content_type():
    primary = Outcome("product", "redirect", location="/product/S2", status=301)
    decision = decision_for(primary)
    assert (decision.status, decision.location) == (301, "/product/S2")
    assert b"content-type" not in dict(decision.headers)


def test_a_redirect_off_site_is_refused_and_the_page_fails():
    primary = Outcome("product", "redirect", location="https://evil.example/", status=302)
    decision = decision_for(primary)
    assert (decision.status, decision.location) == (503, "")
    assert decision.plan.page.layout == "503.html"


def test_the_primarys_cookies_pass_only_when_allowed_and_scoped_to_its_bff():
    primary = ok("product", set_cookies=("pref=dark; Path=/", "other=1"))
    cookies = [v for k, v in decision_for(primary).headers if k == b"set-cookie"]
    pref = [c for c in cookies if c.startswith(b"pref=")]
    assert len(pref) == 1 and b"Path=/bff/product/" in pref[0]
    assert not [c for c in cookies if c.startswith(b"other=")]


def test_a_new_visitor_gets_the_visitor_cookie_a_returning_one_does_not():
    new = [v for k, v in decision_for(ok("product")).headers if k == b"set-cookie"]
    visitor = [c for c in new if c.startswith(b"tessera_visitor=")]
    assert len(visitor) == 1
    returning_cookie = visitor[0].split(b";")[0]
    again = decision_for(ok("product"), cookie=returning_cookie + b"; csrftoken=" + b"a" * 32)
    assert not [v for k, v in again.headers if v.startswith(b"tessera_visitor=")]


def test_an_error_page_for_an_unknown_path_keeps_the_header_and_footer_it_is_given():
    page = error_page(404, "/nope", {"header": ["header"], "hero": ["hero"], "footer": ["footer"]})
    assert (page.layout, page.status, page.title) == ("404.html", 404, "Page not found")
    assert page.slots == {"header": ("header",), "footer": ("footer",)}
    plan = make_plan(page, {}, FRAGMENTS)
    assert error_plan(plan, 404) is plan  # already that error page
    assert error_plan(plan, 503).page.layout == "503.html"
