"""The registry API's configuration objects: fragments, pages, placements, layouts and manual
instances, each validated as the admin validates it, each under an ETag, each write in the
history under the token that made it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client
from registry.models import ApiToken, Change, Fragment, Instance, Layout, Page, Placement

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}


@pytest.fixture
def api() -> Client:
    return Client()


def put(client, path, body, **headers):
    return client.put(f"/api/v1{path}", body, content_type="application/json", **TOKEN, **headers)


def patch(client, path, body, **headers):
    return client.patch(f"/api/v1{path}", body, content_type="application/json", **TOKEN, **headers)


def errors(response) -> dict[str, str]:
    """A 422's reasons by where they are (`placements.1.slot`)."""
    assert response.status_code == 422, response.content
    return {".".join(map(str, e["loc"][2:])): e["msg"] for e in response.json()["detail"]}


PRODUCT_PAGE = {
    "route": "/product/{sku}",
    "layout": "product.html",
    "title": "Product",
    "placements": [
        {"slot": "header", "fragment": "header"},
        {"slot": "product", "fragment": "product"},
    ],
}


@pytest.fixture
def fragments(api):
    for name, template in (("header", "/fragment"), ("product", "/fragment/{sku}")):
        assert put(api, f"/fragments/{name}", {"path_template": template}).status_code == 201


def test_a_fragment_is_created_read_and_replaced_with_every_setting(api):
    settings = {"path_template": "/r/{sku}", "timeout_ms": 700, "breaker_min_calls": 5,
                "owner": "team-r"}  # fmt: skip
    created = put(api, "/fragments/reviews", settings)
    assert created.status_code == 201
    assert created.json()["settings"]["breaker_min_calls"] == 5
    read = api.get("/api/v1/fragments/reviews")
    assert read["ETag"] == created["ETag"]
    assert read.json()["settings"] == created.json()["settings"]
    # PUT is the whole setting: what is left out goes back to its default.
    replaced = put(api, "/fragments/reviews", {"path_template": "/r/{sku}"})
    assert replaced.status_code == 200
    fragment = Fragment.objects.get(name="reviews")
    assert (fragment.timeout_ms, fragment.breaker_min_calls, fragment.owner) == (1000, 20, "")
    # PATCH changes only what it names.
    patched = patch(api, "/fragments/reviews", {"cache_max_age": 30})
    assert patched.status_code == 200
    fragment.refresh_from_db()
    assert (fragment.cache_max_age, fragment.path_template) == (30, "/r/{sku}")
    assert [f["name"] for f in api.get("/api/v1/fragments").json()] == ["reviews"]


def test_a_fragment_is_validated_by_the_models_rules_and_nothing_is_stored(api):
    settings = {"timeout_ms": 500, "breaker_slow_ms": 900,
                "fallback_url": "http://169.254.169.254/"}  # fmt: skip
    refused = put(api, "/fragments/reviews", settings)
    reasons = errors(refused)
    assert "at most the timeout (500 ms)" in reasons["breaker_slow_ms"]
    assert "fallback_url" in reasons
    assert not Fragment.objects.exists()
    typo = put(api, "/fragments/reviews", {"timeout": 500})  # a typo is not a reset
    assert typo.status_code == 422 and not Fragment.objects.exists()
    assert api.get("/api/v1/fragments/reviews").status_code == 404


def test_if_match_stops_a_tool_overwriting_a_change_it_has_not_seen(api):
    etag = put(api, "/fragments/reviews", {"timeout_ms": 700})["ETag"]
    assert patch(api, "/fragments/reviews", {"owner": "a"}, HTTP_IF_MATCH=etag).status_code == 200
    stale = patch(api, "/fragments/reviews", {"owner": "b"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    assert Fragment.objects.get().owner == "a"
    fresh = api.get("/api/v1/fragments/reviews")["ETag"]
    assert fresh != etag
    assert patch(api, "/fragments/reviews", {"owner": "b"}, HTTP_IF_MATCH=fresh).status_code == 200
    # If-None-Match: * creates only.
    assert put(api, "/fragments/reviews", {}, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert put(api, "/fragments/new", {}, HTTP_IF_NONE_MATCH="*").status_code == 201
    assert put(api, "/fragments/other", {}, HTTP_IF_MATCH=fresh).status_code == 412
    assert not Fragment.objects.filter(name="other").exists()


def test_a_placed_fragment_is_not_deleted_by_surprise(api, fragments):
    assert put(api, "/pages/product", PRODUCT_PAGE).status_code == 201
    refused = api.delete("/api/v1/fragments/product", **TOKEN)
    assert refused.status_code == 409 and "placed on pages product" in refused.json()["detail"]
    assert put(api, "/pages/product", {**PRODUCT_PAGE, "placements": []}).status_code == 200
    assert api.delete("/api/v1/fragments/product", **TOKEN).status_code == 204
    assert not Fragment.objects.filter(name="product").exists()


def test_a_page_is_written_whole_with_its_placements(api, fragments):
    created = put(api, "/pages/product", PRODUCT_PAGE)
    assert created.status_code == 201
    assert [(p["slot"], p["fragment"]) for p in created.json()["placements"]] == [
        ("header", "header"),
        ("product", "product"),
    ]
    page_etag = created["ETag"]
    # The same page again: nothing changes, not even its ETag or the history.
    changes = Change.objects.count()
    again = put(api, "/pages/product", PRODUCT_PAGE)
    assert (again.status_code, again["ETag"], Change.objects.count()) == (200, page_etag, changes)
    # One placement fewer, one with its own parameters: the rest stays as it was.
    kept = Placement.objects.get(slot="product").id
    body = {**PRODUCT_PAGE, "placements": [
        {"slot": "product", "fragment": "product", "params": {"sku": "SKU-1"}},
    ]}  # fmt: skip
    assert put(api, "/pages/product", body).status_code == 200
    assert [(p.id, p.slot, p.params) for p in Placement.objects.all()] == [
        (kept, "product", {"sku": "SKU-1"})
    ]


def test_a_typod_slot_is_refused_with_the_layouts_slots_and_nothing_is_written(api, fragments):
    body = {**PRODUCT_PAGE, "placements": [
        {"slot": "header", "fragment": "header"}, {"slot": "haeder", "fragment": "header"},
    ]}  # fmt: skip
    reasons = errors(put(api, "/pages/product", body))
    assert reasons == {
        "placements.1.slot": "layout product.html has no slot 'haeder' (it has: header, "
        "product, buybox, reviews, recommendations, footer)"
    }
    assert not Page.objects.exists() and not Placement.objects.exists()


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        ({"layout": "sidebar.html"}, "layout", "no shell has published a layout sidebar.html"),
        ({"route": "/p/{id}"}, "placements.1", "product's path needs sku"),
        ({"route": "product"}, "route", "must start with '/'"),
        ({"placements": [{"slot": "main", "fragment": "ghost"}]}, "placements.0",
         "no fragment 'ghost'"),
        ({"placements": [{"slot": "header", "fragment": "header"}] * 2}, "placements.1",
         "header is in slot header twice"),
        ({"placements": [{"slot": "product", "fragment": "product", "params": {"q": "x"}}]},
         "placements.0.params", "has no parameter {q}"),
    ],
)  # fmt: skip
def test_a_bad_page_is_refused_naming_where_and_why(api, fragments, change, where, reason):
    assert put(api, "/pages/product", PRODUCT_PAGE).status_code == 201
    before = api.get("/api/v1/pages/product").json()
    reasons = errors(patch(api, "/pages/product", change))
    assert reason in reasons.get(where, ""), reasons
    assert api.get("/api/v1/pages/product").json() == before


def test_a_route_already_served_by_another_page_is_refused(api, fragments):
    assert put(api, "/pages/product", PRODUCT_PAGE).status_code == 201
    reasons = errors(put(api, "/pages/item", {**PRODUCT_PAGE, "placements": []}))
    assert "already exists" in reasons["route"]


def test_placements_one_at_a_time_under_the_pages_and_their_own_etags(api, fragments):
    page_etag = put(api, "/pages/product", {**PRODUCT_PAGE, "placements": []})["ETag"]
    base = "/api/v1/pages/product/placements"
    added = api.post(base, {"slot": "header", "fragment": "header"},
                     content_type="application/json", HTTP_IF_MATCH=page_etag, **TOKEN)  # fmt: skip
    assert added.status_code == 201
    placement = added.json()["id"]
    # The page changed with it: its old ETag no longer matches.
    late = api.post(base, {"slot": "footer", "fragment": "header"},
                    content_type="application/json", HTTP_IF_MATCH=page_etag, **TOKEN)  # fmt: skip
    assert late.status_code == 412
    duplicate = api.post(base, {"slot": "header", "fragment": "header"},
                         content_type="application/json", **TOKEN)  # fmt: skip
    assert duplicate.status_code == 422
    moved = put(api, f"/pages/product/placements/{placement}",
                {"slot": "footer", "fragment": "header", "order": 2},
                HTTP_IF_MATCH=added["ETag"])  # fmt: skip
    assert moved.status_code == 200 and moved.json()["slot"] == "footer"
    wrong = put(api, f"/pages/product/placements/{placement}",
                {"slot": "aside", "fragment": "header"})  # fmt: skip
    assert "no slot 'aside'" in errors(wrong)["slot"]
    assert Placement.objects.get().slot == "footer"
    assert api.get(f"/api/v1/pages/other/placements/{placement}").status_code == 404
    assert api.delete(f"{base}/{placement}", **TOKEN).status_code == 204
    assert not Placement.objects.exists()


def test_shells_publish_layouts_and_pages_may_then_use_them(api, fragments):
    published = put(api, "/layouts/sidebar.html", {"slots": ["header", "aside", "main"]})
    assert published.status_code == 201
    page = {"route": "/s", "layout": "sidebar.html", "title": "S",
            "placements": [{"slot": "aside", "fragment": "header"}]}  # fmt: skip
    assert put(api, "/pages/side", page).status_code == 201
    # A layout in use is not forgotten; publishing it unchanged writes nothing.
    changes = Change.objects.count()
    assert (
        put(api, "/layouts/sidebar.html", {"slots": ["header", "aside", "main"]}).status_code == 200
    )
    assert Change.objects.count() == changes
    assert api.delete("/api/v1/layouts/sidebar.html", **TOKEN).status_code == 409
    assert api.get("/api/v1/layouts/sidebar.html").json()["pages"] == ["side"]
    assert "slot" in errors(put(api, "/layouts/bad.html", {"slots": ["a", "a"]}))["slots"]
    for odd in ("a b", "슬롯", "", "a" * 64, "main\n"):
        said = errors(put(api, "/layouts/bad.html", {"slots": ["main", odd]}))["slots"]
        assert said == f"slot {odd!r}: a slot name has 1 to 63 letters, digits, '_' and '-'"
    assert not Layout.objects.filter(name="bad.html").exists()


def test_a_layout_losing_a_slot_pages_use_is_refused_until_they_move(api, fragments):
    put(api, "/layouts/sidebar.html", {"slots": ["header", "aside", "main"]})
    page = {"route": "/s", "layout": "sidebar.html", "title": "S",
            "placements": [{"slot": "aside", "fragment": "header"}]}  # fmt: skip
    put(api, "/pages/side", page)
    shrunk = put(api, "/layouts/sidebar.html", {"slots": ["header", "main"]})
    assert shrunk.status_code == 409
    assert shrunk.json()["detail"] == (
        "layout sidebar.html would lose slots that pages place fragments in (side: aside): "
        "move those placements first"
    )
    assert Layout.objects.get(name="sidebar.html").slots == ["header", "aside", "main"]
    # The page stays editable, and once its placement moved the layout may lose the slot.
    moved = page | {"placements": [{"slot": "main", "fragment": "header"}]}
    assert put(api, "/pages/side", moved).status_code == 200
    assert put(api, "/layouts/sidebar.html", {"slots": ["header", "main"]}).status_code == 200


def test_a_manual_instance_is_weighted_under_its_etag(api):
    body = {"fragment": "hero", "base_url": "http://127.0.0.1:8102", "manual": True}
    created = api.post("/api/v1/instances", body, content_type="application/json", **TOKEN)
    instance = created.json()["id"]
    read = api.get(f"/api/v1/instances/{instance}")
    assert read.json()["manual"] is True
    changed = patch(api, f"/instances/{instance}", {"weight": 5}, HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200
    stale = patch(api, f"/instances/{instance}", {"weight": 7}, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert Instance.objects.get().weight == 5
    assert patch(api, f"/instances/{instance}", {"base_url": "http://x"}).status_code == 422


def test_each_write_is_in_the_history_under_the_tokens_name(api):
    token = ApiToken(name="ci-apply")
    secret = token.issue()
    token.save()
    response = api.put(
        "/api/v1/fragments/reviews",
        {"timeout_ms": 700},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201
    change = Change.objects.filter(target_type="fragment").get()
    assert (change.actor, change.action, change.target) == ("token:ci-apply", "created", "reviews")


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/fragments/x"), ("patch", "/fragments/x"), ("delete", "/fragments/x"),
     ("put", "/pages/x"), ("put", "/layouts/x.html"), ("post", "/pages/x/placements")],
)  # fmt: skip
def test_every_write_needs_a_token(api, method, path):
    response = getattr(api, method)(f"/api/v1{path}", {}, content_type="application/json")
    assert response.status_code == 401


def test_a_write_losing_a_race_for_a_name_is_a_409_not_a_500(api, monkeypatch):
    # As if another write had created the page between this one's check and its insert.
    def taken(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: registry_page.name")

    monkeypatch.setattr(Page, "save", taken)
    response = put(api, "/pages/side", {"route": "/side", "layout": "home.html", "title": "S"})
    assert response.status_code == 409
    assert "read it again" in response.json()["detail"]


def test_a_new_path_a_placed_fragment_could_not_fill_is_refused(api, fragments):
    assert put(api, "/pages/product", PRODUCT_PAGE).status_code == 201
    reasons = errors(patch(api, "/fragments/header", {"path_template": "/fragment/{nope}"}))
    assert "on page product (header's path needs nope" in reasons["path_template"]
    assert Fragment.objects.get(name="header").path_template == "/fragment"
    # A path the page's route fills is fine.
    assert patch(api, "/fragments/header", {"path_template": "/h/{sku}"}).status_code == 200


def test_traffic_and_breaker_writes_honour_if_match(api):
    etag = put(api, "/fragments/reviews", {})["ETag"]
    assert put(api, "/fragments/reviews/breaker", {"forced": "open"}).status_code == 200
    stale = put(api, "/fragments/reviews/traffic", {"canary_percent": 0}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    stale = put(api, "/fragments/reviews/breaker", {"forced": ""}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Fragment.objects.get().breaker_forced == "open"
    fresh = api.get("/api/v1/fragments/reviews")["ETag"]
    closed = put(api, "/fragments/reviews/breaker", {"forced": ""}, HTTP_IF_MATCH=fresh)
    assert closed.status_code == 200


def test_long_texts_are_refused_by_the_model_whoever_writes_them():
    fragment = Fragment(name="hero", description="x" * 10_001, fallback_html="<p>" * 33_334)
    with pytest.raises(ValidationError) as refused:
        fragment.full_clean()
    assert set(refused.value.message_dict) == {"description", "fallback_html"}
