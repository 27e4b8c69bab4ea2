"""Pages, placements, heartbeat expiry, the audit history and the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from registry.management.commands.seed import Command as Seed
from registry.models import Change, Fragment, Instance, Layout, Page, Placement
from registry.snapshot import build_snapshot

from shell.engine.layout import load_layout

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]


@pytest.fixture
def product_page():
    return Page.objects.create(
        name="product", route="/product/{sku}", layout="product.html", title="Product"
    )


def test_a_new_registry_knows_the_shells_own_layouts_before_any_shell_publishes():
    known = {layout.name: tuple(layout.slots) for layout in Layout.objects.all()}
    assert known == {name: load_layout(name).slots for name in known}
    assert set(known) == {"home.html", "product.html", "listing.html", "cart.html"}


def test_placements_need_an_existing_slot_and_fillable_parameters(product_page):
    reviews = Fragment.objects.create(name="reviews", path_template="/r/{sku}/{page}")
    buybox = Fragment.objects.create(name="buybox", path_template="/b/{sku}")
    with pytest.raises(ValidationError, match="has no slot 'sidebar'"):
        Placement(page=product_page, slot="sidebar", fragment=buybox).full_clean()
    with pytest.raises(ValidationError, match="needs page, which neither the route /product/"):
        Placement(page=product_page, slot="reviews", fragment=reviews).full_clean()
    Placement(page=product_page, slot="buybox", fragment=buybox).full_clean()
    # Query parameters of a fragment's path are optional: the shell leaves them empty.
    listing = Fragment.objects.create(name="listing", path_template="/l/{sku}?q={q}")
    Placement(page=product_page, slot="reviews", fragment=listing).full_clean()


def test_a_placement_may_fix_its_fragments_parameters(product_page):
    recs = Fragment.objects.create(name="recs", path_template="/r/{sku}/{page}?limit={limit}")
    placement = Placement(page=product_page, slot="recommendations", fragment=recs)
    placement.params = {"page": "1", "limit": "4"}  # page: a path parameter the route lacks
    placement.full_clean()
    placement.save()
    (entry,) = build_snapshot()["pages"]
    assert entry["params"] == {"recommendations": {"recs": {"page": "1", "limit": "4"}}}
    assert entry["slots"] == {"recommendations": ["recs"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": "4"}, r"path /r/\{sku\}\?limit=\{limit\} has no parameter \{size\}"),
        ({"limit": ""}, "text of 1 to 200 characters"),
        ({"limit": "4\n"}, "text of 1 to 200 characters"),
        ({"limit": 4}, "text of 1 to 200 characters"),
        ({"li mit": "4"}, "not a valid parameter name"),
        (["limit"], "an object of names to text values"),
        ({f"p{i}": "1" for i in range(21)}, "at most 20 parameters"),
    ],
)
def test_a_placements_parameters_are_validated(product_page, params, message):
    recs = Fragment.objects.create(name="recs", path_template="/r/{sku}?limit={limit}")
    placement = Placement(page=product_page, slot="recommendations", fragment=recs, params=params)
    with pytest.raises(ValidationError, match=message):
        placement.full_clean()


def test_a_page_names_a_layout_the_shells_published():
    page = Page(name="p", route="/p", layout="sidebar.html", title="t")
    with pytest.raises(ValidationError, match=r"no shell has published a layout sidebar\.html"):
        page.full_clean()
    Layout.objects.create(name="sidebar.html", slots=["header", "aside"])
    page.full_clean()
    page.save()
    placement = Placement(page=page, slot="main", fragment=Fragment.objects.create(name="x"))
    with pytest.raises(ValidationError, match=r"layout sidebar\.html has no slot 'main'"):
        placement.full_clean()


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("product/{sku}", "must start with '/'"),
        ("/p/x{sku}", "whole {parameter}"),
        ("/s?q", "must have the form name={name}"),
        ("/s?q={query}", "must have the form name={name}"),
        ("/s?q={q}&", "must have the form name={name}"),
    ],
)
def test_routes_are_validated(route, message):
    with pytest.raises(ValidationError, match=message):
        Page(name="p", route=route, layout="home.html", title="t").full_clean()


def test_routes_may_name_the_query_parameters_their_page_reads():
    Page(name="p", route="/search?q={q}&page={page}", layout="home.html", title="t").full_clean()


def test_hop_by_hop_headers_cannot_be_configured():
    fragment = Fragment(name="f", forward_headers="cookie, Connection")
    with pytest.raises(ValidationError, match="'connection' is a hop-by-hop header"):
        fragment.full_clean()


def test_snapshot_carries_pages_with_placements_of_enabled_fragments(product_page):
    buybox = Fragment.objects.create(name="buybox", path_template="/b/{sku}", is_async=True)
    product = Fragment.objects.create(name="product", path_template="/p/{sku}", primary=True)
    hidden = Fragment.objects.create(name="hidden", enabled=False)
    Placement.objects.create(page=product_page, slot="product", fragment=product)
    Placement.objects.create(page=product_page, slot="buybox", fragment=buybox, order=2)
    Placement.objects.create(page=product_page, slot="buybox", fragment=hidden, order=1)
    snapshot = build_snapshot()
    (page,) = snapshot["pages"]
    assert page == {
        "name": "product",
        "route": "/product/{sku}",
        "layout": "product.html",
        "title": "Product",
        "slots": {"buybox": ["buybox"], "product": ["product"]},
    }
    by_name = {f["name"]: f for f in snapshot["fragments"]}
    assert by_name["buybox"]["async"] is True and by_name["product"]["primary"] is True


def test_instances_expire_by_the_clock_and_come_back_with_a_heartbeat(settings):
    settings.REGISTRY_HEARTBEAT_TTL = 10
    fragment = Fragment.objects.create(name="hero")
    start = timezone.now()
    Instance.objects.create(
        fragment=fragment, base_url="http://127.0.0.1:8101", last_heartbeat=start
    )
    Instance.objects.create(
        fragment=fragment, base_url="http://127.0.0.1:8102", manual=True, last_heartbeat=start
    )

    def live(at):
        (entry,) = build_snapshot(now=at)["fragments"]
        return [i["base_url"] for i in entry["instances"]]

    assert live(start + timedelta(seconds=10)) == ["http://127.0.0.1:8101", "http://127.0.0.1:8102"]
    assert live(start + timedelta(seconds=11)) == ["http://127.0.0.1:8102"]  # manual never expires
    Instance.objects.filter(base_url__endswith=":8101").update(
        last_heartbeat=start + timedelta(seconds=11)
    )
    assert live(start + timedelta(seconds=12)) == ["http://127.0.0.1:8101", "http://127.0.0.1:8102"]


def test_seed_creates_the_storefront_pages_once_and_keeps_operator_edits():
    call_command(Seed())
    page = Page.objects.get(name="home")
    assert [(p.slot, p.fragment.name) for p in page.placements.all()] == [
        ("footer", "footer"), ("header", "header"), ("hero", "hero"), ("main", "categories")
    ]  # fmt: skip
    routes = dict(Page.objects.values_list("name", "route"))
    assert routes["product"] == "/product/{sku}" and routes["search"].startswith("/search?q={q}")
    count = Placement.objects.count()
    page.title = "Edited"
    page.save()
    call_command(Seed())
    assert Page.objects.get(name="home").title == "Edited"
    assert Placement.objects.count() == count


def test_seeded_configuration_passes_the_validation_operators_get():
    call_command(Seed())
    for obj in [*Fragment.objects.all(), *Page.objects.all(), *Placement.objects.all()]:
        obj.full_clean()
    assert Fragment.objects.get(name="product").primary
    assert Fragment.objects.get(name="recommendations").is_async


@pytest.fixture
def operator_client():
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw-12345")
    client = Client()
    client.force_login(user)
    return client


def test_admin_changes_are_recorded_with_the_operator(operator_client):
    fragment = Fragment.objects.create(name="promo", path_template="/promo.html")
    response = operator_client.post(
        "/admin/registry/fragment/",
        {"action": "disable", "_selected_action": [fragment.pk]},
    )
    assert response.status_code == 302
    assert Fragment.objects.get(name="promo").enabled is False
    change = Change.objects.filter(actor="operator").get()
    assert (change.action, change.target, change.details) == (
        "changed", "promo", {"enabled": [True, False]}
    )  # fmt: skip


def test_api_registrations_are_recorded_but_heartbeats_are_not():
    client = Client()
    auth = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}
    body = {"fragment": "hero", "base_url": "http://127.0.0.1:8102"}
    instance_id = client.post(
        "/api/v1/instances", body, content_type="application/json", **auth
    ).json()["id"]
    client.post(f"/api/v1/instances/{instance_id}/heartbeat", **auth)
    actions = list(Change.objects.values_list("actor", "action", "target_type"))
    assert sorted(actions) == [
        ("registry-token", "created", "fragment"), ("registry-token", "created", "instance")
    ]  # fmt: skip


def test_admin_lists_fragments_with_versions_and_health_and_offers_a_preview(operator_client):
    fragment = Fragment.objects.create(name="buybox", path_template="/b/{sku}")
    Instance.objects.create(fragment=fragment, base_url="http://127.0.0.1:8101", version="2.1.0")
    Instance.objects.create(
        fragment=fragment,
        base_url="http://127.0.0.1:8102",
        version="2.0.0",
        last_heartbeat=timezone.now() - timedelta(hours=1),
    )
    Instance.objects.create(fragment=fragment, base_url="http://127.0.0.1:8103", version="2.2.0")
    fragment.canary_version, fragment.canary_percent = "2.2.0", 10
    fragment.save()
    listing = operator_client.get("/admin/registry/fragment/").content.decode()
    assert "2.1.0: 1 instance, 90%; 2.2.0: 1 instance, 10%" in listing and "2 / 3" in listing
    change = operator_client.get(f"/admin/registry/fragment/{fragment.pk}/change/").content.decode()
    assert 'src="http://127.0.0.1:8000/_fragment/buybox?sku=SKU-1001"' in change


def test_admin_refuses_an_unsafe_fallback_url_with_a_clear_message(operator_client):
    response = operator_client.post(
        "/admin/registry/fragment/add/",
        {
            "name": "evil", "path_template": "/x", "timeout_ms": 1000, "max_body_bytes": 1048576,
            "cache_max_age": 0, "cache_stale_if_error": 0, "enabled": "on",
            "fallback_url": "http://169.254.169.254/latest",
            "instances-TOTAL_FORMS": 0, "instances-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "metadata or link-local address and is refused" in response.content.decode()
    assert not Fragment.objects.filter(name="evil").exists()


def _fragment_form(fragment: Fragment, **changes) -> dict:
    return {
        "name": fragment.name, "path_template": fragment.path_template, "timeout_ms": 1000,
        "max_body_bytes": 1048576, "cache_max_age": 0, "cache_stale_if_error": 0,
        "enabled": "on", "pinned_version": "", "canary_version": "", "canary_percent": 0,
        "breaker_window_s": 10, "breaker_min_calls": 20, "breaker_failure_rate": 50,
        "breaker_slow_rate": 100, "breaker_slow_ms": 0, "breaker_open_s": 5,
        "breaker_half_open_calls": 3, "breaker_forced": "", "max_in_flight": 100,
        "instances-TOTAL_FORMS": 0, "instances-INITIAL_FORMS": 0, **changes,
    }  # fmt: skip


def test_operators_pin_a_version_and_set_a_canary_share_in_the_admin(operator_client):
    fragment = Fragment.objects.create(name="reviews", path_template="/r/{sku}")
    url = f"/admin/registry/fragment/{fragment.pk}/change/"
    refused = operator_client.post(url, _fragment_form(fragment, canary_percent=20))
    assert refused.status_code == 200
    assert "set a canary version to give it traffic" in refused.content.decode()
    fragment.refresh_from_db()
    assert fragment.canary_percent == 0
    saved = operator_client.post(
        url, _fragment_form(fragment, pinned_version="1", canary_version="2", canary_percent=20)
    )
    assert saved.status_code == 302
    fragment.refresh_from_db()
    assert (fragment.pinned_version, fragment.canary_version, fragment.canary_percent) == (
        "1", "2", 20
    )  # fmt: skip


def _with_instances(form: dict, *base_urls: str) -> dict:
    rows = {
        f"instances-{i}-{field}": value
        for i, url in enumerate(base_urls)
        for field, value in (("base_url", url), ("version", "1"), ("weight", 100))
    }
    return {**form, **rows, "instances-TOTAL_FORMS": len(base_urls)}


def test_the_admin_stores_the_canonical_base_url_it_checked(operator_client):
    fragment = Fragment(name="promo", path_template="/promo.html")
    response = operator_client.post(
        "/admin/registry/fragment/add/",
        _with_instances(_fragment_form(fragment), "HTTP://LocalHost:8102/"),
    )
    assert response.status_code == 302
    assert Instance.objects.get().base_url == "http://localhost:8102"


@pytest.mark.parametrize(
    ("base_urls", "message"),
    [
        (["http://127.0.0.1:8102/\r\nX-Injected: 1"], "URL must not contain a line break"),
        (["http://127.0.0.1:8102/a\tb"], "URL must not contain a tab"),
        (["http://127.0.0.1:22"], "port 22 of &#x27;127.0.0.1&#x27; is not allowed"),
        (["http://127.0.0.1:8102", "http://127.0.0.1:8102/"], "Please correct the duplicate"),
    ],
)
def test_the_admin_refuses_unsafe_or_duplicate_base_urls(operator_client, base_urls, message):
    fragment = Fragment(name="promo", path_template="/promo.html")
    response = operator_client.post(
        "/admin/registry/fragment/add/", _with_instances(_fragment_form(fragment), *base_urls)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Fragment.objects.exists() and not Instance.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("path_template", "/promo\x1b.html", "path template must not contain a control character"),
        ("path_template", "/pr\u00f6mo.html", "path template must not contain a non-ASCII"),
        ("owner", "team\x07", "must not contain a control character"),
        ("cookies", "sort, csrftoken", "&#x27;csrftoken&#x27; is the shell&#x27;s own cookie"),
        ("pinned_version", "v1 beta", "use letters, digits"),
    ],
)
def test_the_admin_refuses_control_characters_and_bad_names(operator_client, field, value, message):
    fragment = Fragment(name="promo", path_template="/promo.html")
    response = operator_client.post(
        "/admin/registry/fragment/add/", _fragment_form(fragment, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Fragment.objects.exists()


def test_names_with_a_trailing_line_break_are_refused_by_the_models():
    for obj in [
        Fragment(name="hero\n"),
        Page(name="home\n", route="/", layout="home.html", title="t"),
        Page(name="home", route="/", layout="home.html", title="Home\n"),
    ]:
        with pytest.raises(ValidationError):
            obj.full_clean()


def test_operators_set_a_fragments_cookies_next_to_its_forwarded_headers(operator_client):
    fragment = Fragment.objects.create(name="reviews", path_template="/r/{sku}")
    url = f"/admin/registry/fragment/{fragment.pk}/change/"
    page = operator_client.get(url).content.decode()
    fetching = page[page.index("<h2") : page.index("Role on the page")]
    assert 'name="forward_headers"' in fetching and 'name="cookies"' in fetching
    assert "scoped to the fragment's own /bff/ path" in page
    saved = operator_client.post(url, _fragment_form(fragment, cookies="reviews_sort, seen"))
    assert saved.status_code == 302
    (entry,) = build_snapshot()["fragments"]
    assert entry["cookies"] == ["reviews_sort", "seen"]


def test_fragments_set_no_cookies_by_default():
    Fragment.objects.create(name="hero")
    (entry,) = build_snapshot()["fragments"]
    assert entry["cookies"] == []


def _page_form(slot: str, fragment: Fragment) -> dict:
    return {
        "name": "gift", "route": "/gift/{sku}", "layout": "product.html", "title": "Gift",
        "placements-TOTAL_FORMS": 1, "placements-INITIAL_FORMS": 0,
        "placements-0-slot": slot, "placements-0-fragment": fragment.pk,
        "placements-0-order": 0,
    }  # fmt: skip


def test_a_mistyped_slot_is_refused_on_a_page_created_with_it(operator_client):
    header = Fragment.objects.create(name="header", path_template="/header")
    refused = operator_client.post("/admin/registry/page/add/", _page_form("haeder", header))
    assert refused.status_code == 200
    assert "layout product.html has no slot &#x27;haeder&#x27;" in refused.content.decode()
    assert not Page.objects.filter(name="gift").exists()  # nothing half-written
    assert not Placement.objects.exists()
    saved = operator_client.post("/admin/registry/page/add/", _page_form("header", header))
    assert saved.status_code == 302
    assert [(p.slot, p.fragment.name) for p in Page.objects.get(name="gift").placements.all()] == [
        ("header", "header")
    ]


def test_a_fragment_needing_a_parameter_the_new_page_lacks_is_refused(operator_client):
    reviews = Fragment.objects.create(name="reviews", path_template="/r/{sku}/{page}")
    refused = operator_client.post("/admin/registry/page/add/", _page_form("reviews", reviews))
    assert refused.status_code == 200
    assert "reviews&#x27;s path needs page, which neither the route /gift/{sku}" in (
        refused.content.decode()
    )
    assert not Page.objects.filter(name="gift").exists()


def test_the_admin_shows_heartbeats_to_the_second_and_no_health_for_a_blank_row(operator_client):
    fragment = Fragment.objects.create(name="reviews", path_template="/r/{sku}")
    instance = Instance.objects.create(fragment=fragment, base_url="http://10.0.0.5:8106")
    page = operator_client.get(f"/admin/registry/fragment/{fragment.pk}/change/")
    html = page.content.decode()
    # The instance is up; the blank row for a new one claims nothing about a heartbeat.
    assert html.count("icon-yes.svg") == 1 and "icon-unknown.svg" in html
    assert f"{timezone.localtime(instance.last_heartbeat):%H:%M:%S}" in html
    assert "s ago)" in html
    form = operator_client.get(f"/admin/registry/instance/{instance.pk}/change/")
    assert 'name="last_heartbeat"' not in form.content.decode()  # heartbeats set it, not people


def test_view_site_leads_to_the_storefront(operator_client, settings):
    assert f'href="{settings.SHELL_URL}"' in operator_client.get("/admin/").content.decode()


def test_the_body_size_box_is_wide_enough_for_its_default(operator_client):
    html = operator_client.get("/admin/registry/fragment/add/").content.decode()
    at = html.index('name="max_body_bytes"')
    box = html[html.rindex("<input", 0, at) : html.index(">", at)]
    assert "vBigIntegerField" in box  # 10em: "1048576" shows whole (vIntegerField: 5em)


def test_the_history_names_related_objects_and_hides_self_registration_by_default(
    operator_client,
):
    auth = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}
    for port in (8102, 8112):  # two instances of a deploy registering themselves
        body = {"fragment": "hero", "base_url": f"http://127.0.0.1:{port}"}
        Client().post("/api/v1/instances", body, content_type="application/json", **auth)
    fragment = Fragment.objects.get(name="hero")
    Instance.objects.create(fragment=fragment, base_url="http://10.0.0.9:80", manual=True)
    registered = Change.objects.filter(target_type="instance", action="created").first()
    assert registered.details["fragment"] == "hero"  # the fragment's name, not its id

    def listed(query: str = "") -> str:
        return operator_client.get("/admin/registry/change/" + query).content.decode()

    by_default = listed()
    assert "127.0.0.1:8102" not in by_default and "127.0.0.1:8112" not in by_default
    assert "10.0.0.9:80" in by_default  # an operator's hand-run instance is configuration
    every = listed("?churn=shown")
    assert "127.0.0.1:8102" in every and "127.0.0.1:8112" in every and "10.0.0.9:80" in every
