import itertools

import pytest

from shell.engine.config import FragmentConfig
from shell.engine.plan import ASSETS, SLOT, TAIL, TEXT, TITLE, PlanCache, make_plan
from shell.engine.routing import Page

PAGE = Page("p", "/product/{sku}", "product.html", "T", {
    "header": ("header",), "product": ("product",), "buybox": ("buybox",),
    "reviews": ("reviews",), "recommendations": ("recs",),
})  # fmt: skip
FRAGMENTS = {
    "header": FragmentConfig("header"),
    "product": FragmentConfig("product", "/p/{sku}", primary=True),
    "buybox": FragmentConfig("buybox", "/b/{sku}", required=True),
    "reviews": FragmentConfig("reviews", "/r/{sku}/{page}"),
    "recs": FragmentConfig("recs", "/recs/{sku}", is_async=True),
}


def test_plan_places_fragments_in_document_order_with_their_paths():
    plan = make_plan(PAGE, {"sku": "S1"}, FRAGMENTS)
    assert [p.name for p in plan.placements] == ["header", "product", "buybox", "reviews", "recs"]
    assert [p.path for p in plan.placements][:3] == ["/fragment", "/p/S1", "/b/S1"]
    assert plan.primary.name == "product"
    assert [p.name for p in plan.blocking] == ["product", "buybox"]
    assert [p.is_async for p in plan.placements] == [False, False, False, False, True]


def test_a_fragment_whose_path_needs_a_missing_parameter_is_left_out():
    reviews = make_plan(PAGE, {"sku": "S1"}, FRAGMENTS).slots["reviews"][0]
    assert reviews.config is None


def test_query_parameters_of_a_fragment_path_are_optional():
    listing = FragmentConfig("listing", "/list?category={category}&q={q}")
    assert listing.path({"category": "books"}) == "/list?category=books&q="
    assert listing.path({"q": "red%20pen"}) == "/list?category=&q=red%20pen"


def test_a_placements_own_parameters_fill_the_path_and_win_over_the_routes():
    recs = FragmentConfig("recs", "/recs/{sku}?limit={limit}&variant={variant}")
    fixed = {("reviews", "recs"): {"limit": "4", "variant": "compact%20list"}}
    page = Page("p", "/product/{sku}?limit={limit:int}", "product.html", "T",
                {"recommendations": ("recs",), "reviews": ("recs",)}, fixed=fixed)  # fmt: skip
    plan = make_plan(page, {"sku": "S1", "limit": "99"}, {"recs": recs})
    by_slot = {slot: placements[0].path for slot, placements in plan.slots.items() if placements}
    assert by_slot == {
        "reviews": "/recs/S1?limit=4&variant=compact%20list",  # the placement's values
        "recommendations": "/recs/S1?limit=99&variant=",  # the route's, as before
    }


def test_a_placement_can_give_a_path_parameter_its_route_lacks():
    page = Page("p", "/product/{sku}", "product.html", "T", {"reviews": ("reviews",)},
                fixed={("reviews", "reviews"): {"page": "1"}})  # fmt: skip
    (reviews,) = make_plan(page, {"sku": "S1"}, FRAGMENTS).slots["reviews"]
    assert reviews.config is not None and reviews.path == "/r/S1/1"


def test_no_parameter_makes_a_dot_segment_of_a_fragment_path():
    product = FragmentConfig("product", "/p/{sku}?q={q}")
    for sku in ("..", "."):
        with pytest.raises(ValueError, match="dot segment"):
            product.path({"sku": sku})
    assert product.path({"sku": "..x", "q": ".."}) == "/p/..x?q=.."  # a query may hold dots
    assert make_plan(PAGE, {"sku": ".."}, FRAGMENTS).slots["product"][0].config is None


def test_unknown_fragments_plan_as_unconfigured():
    plan = make_plan(PAGE, {"sku": "S1"}, {})
    assert all(p.config is None for p in plan.placements)
    assert plan.primary is None and plan.blocking == ()


def test_plan_cache_reuses_plans_until_the_fragments_change():
    cache = PlanCache()
    first = cache.get(PAGE, {"sku": "S1"}, FRAGMENTS)
    assert cache.get(PAGE, {"sku": "S1"}, FRAGMENTS) is first
    assert cache.get(PAGE, {"sku": "S2"}, FRAGMENTS) is not first
    changed = dict(FRAGMENTS)
    assert cache.get(PAGE, {"sku": "S1"}, changed) is not first


def test_a_plans_steps_are_its_layout_with_each_slots_placements_looked_up():
    plan = make_plan(PAGE, {"sku": "S1"}, FRAGMENTS)  # no footer: its slot is empty
    kinds = [kind for kind, _ in plan.steps]
    assert [value for kind, value in plan.steps if kind == SLOT] == [
        plan.slots[name] for name in ("header", "product", "buybox", "reviews", "recommendations")
    ]
    assert kinds.count(TITLE) == kinds.count(ASSETS) == kinds.count(TAIL) == 1
    # No two texts in a row: the text around the empty footer slot is one step.
    assert not any(a == b == TEXT for a, b in itertools.pairwise(kinds))
    text = "".join(value for kind, value in plan.steps if kind == TEXT)
    assert text == "".join(part for part in plan.layout.parts if isinstance(part, str))


def test_the_plans_of_one_page_share_their_text_and_marker_steps():
    one, other = (make_plan(PAGE, {"sku": sku}, FRAGMENTS) for sku in ("S1", "S2"))
    for mine, theirs in zip(one.steps, other.steps, strict=True):
        if mine[0] == SLOT:  # each plan's own placements, with its own paths
            assert mine is not theirs
        else:  # one object for all the plans of a layout, not a copy each
            assert mine is theirs
