"""The admin as an operator meets it: the index's health overview first, slots chosen from
the layouts' lists, placements' parameters as a JSON box, and a fragment's preview with
values the operator chooses (issue 16)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from registry.admin.health import overview
from registry.admin.preview import SHELL_PICKUP_S
from registry.models import Change, Fragment, Instance, Layout, Page, Placement, ShellReport

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

SHELL = "http://127.0.0.1:8000"


def _select(html: str, name: str) -> str:
    """The `<select name=...>` element of the page, whole."""
    start = html.index(f'name="{name}"')
    return html[html.rindex("<select", 0, start) : html.index("</select>", start)]


def _groups(select: str) -> dict[str, list[str]]:
    """A select's option values by optgroup label."""
    return {
        label: re.findall(r'<option value="([^"]*)"', body)
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    }


def _preview_src(html: str) -> str:
    return (
        re.search(r'<iframe src="([^"]*)" title="Preview of', html).group(1).replace("&amp;", "&")
    )


def _page_form(**changes) -> dict:
    return {
        "name": "gift", "route": "/gift/{sku}", "layout": "product.html", "title": "Gift",
        "placements-TOTAL_FORMS": 1, "placements-INITIAL_FORMS": 0, "placements-0-order": 0,
        **changes,
    }  # fmt: skip


# Slots: a choice among the layouts', grouped by layout.


def test_the_placement_slot_is_a_choice_of_each_layouts_slots_grouped_by_layout(operator_client):
    Layout.objects.create(name="sidebar.html", slots=["header", "aside"])
    html = operator_client.get("/admin/registry/page/add/").content.decode()
    groups = _groups(_select(html, "placements-0-slot"))
    assert groups["sidebar.html"] == ["header", "aside"]
    assert groups["product.html"] == list(Layout.slots_of("product.html"))
    assert set(groups) == set(Layout.objects.values_list("name", flat=True))
    assert "registry/placement_slots.js" in html  # shows only the chosen layout's group


def test_a_stored_slot_of_the_layout_is_chosen_among_the_layouts_slots(operator_client):
    page = Page.objects.create(name="gift", route="/gift/{sku}", layout="product.html", title="G")
    buybox = Fragment.objects.create(name="buybox", path_template="/b/{sku}")
    Placement.objects.create(page=page, slot="buybox", fragment=buybox)
    html = operator_client.get(f"/admin/registry/page/{page.pk}/change/").content.decode()
    select = _select(html, "placements-0-slot")
    assert "not in any layout" not in select
    assert select.count("selected") == 1 and '<option value="buybox" selected>' in select


def test_a_stored_slot_no_layout_offers_is_shown_and_refused_with_the_models_message(
    operator_client,
):
    page = Page.objects.create(name="gift", route="/gift/{sku}", layout="product.html", title="G")
    buybox = Fragment.objects.create(name="buybox", path_template="/b/{sku}")
    placement = Placement.objects.create(page=page, slot="sidebar", fragment=buybox)
    html = operator_client.get(f"/admin/registry/page/{page.pk}/change/").content.decode()
    select = _select(html, "placements-0-slot")
    assert _groups(select)["not in any layout"] == ["sidebar"]
    assert '<option value="sidebar" selected>' in select  # not silently blanked
    refused = operator_client.post(
        f"/admin/registry/page/{page.pk}/change/",
        _page_form(**{
            "placements-INITIAL_FORMS": 1, "placements-0-id": placement.pk,
            "placements-0-page": page.pk, "placements-0-slot": "sidebar",
            "placements-0-fragment": buybox.pk,
        }),
    )  # fmt: skip
    assert refused.status_code == 200
    assert "layout product.html has no slot &#x27;sidebar&#x27;" in refused.content.decode()


def test_the_placements_parameters_are_a_json_box_empty_for_none(operator_client):
    recs = Fragment.objects.create(name="recs", path_template="/r/{sku}?limit={limit}")
    form = _page_form(**{"placements-0-slot": "recommendations", "placements-0-fragment": recs.pk})
    html = operator_client.get("/admin/registry/page/add/").content.decode()
    box = html[html.index('name="placements-0-params"') :]
    assert 'placeholder="{&quot;limit&quot;: &quot;4&quot;}"' in box[: box.index(">")]
    assert box[box.index(">") + 1 : box.index("</textarea>")].strip() == ""  # {} shows empty

    refused = operator_client.post(
        "/admin/registry/page/add/", {**form, "placements-0-params": "{"}
    )
    assert "Enter a valid JSON." in refused.content.decode()
    assert operator_client.post("/admin/registry/page/add/", form).status_code == 302
    assert Placement.objects.get().params == {}  # no box sent: no parameters
    Page.objects.all().delete()
    fixed = {**form, "placements-0-params": '{"limit": "4"}'}
    assert operator_client.post("/admin/registry/page/add/", fixed).status_code == 302
    assert Placement.objects.get().params == {"limit": "4"}


def test_a_blank_placement_row_is_still_ignored(operator_client):
    form = _page_form(**{"placements-0-slot": "", "placements-0-fragment": ""})
    assert operator_client.post("/admin/registry/page/add/", form).status_code == 302
    assert not Placement.objects.exists()


# The index: every fragment's health first.


def _reviews_with_a_canary() -> Fragment:
    reviews = Fragment.objects.create(name="reviews", path_template="/r/{sku}")
    for port, version in ((8101, "2.1.0"), (8102, "2.1.0"), (8103, "2.2.0"), (8104, "2.0.0")):
        Instance.objects.create(
            fragment=reviews, base_url=f"http://127.0.0.1:{port}", version=version
        )
    Instance.objects.filter(version="2.0.0").update(
        last_heartbeat=timezone.now() - timedelta(hours=1)
    )
    reviews.canary_version, reviews.canary_percent = "2.2.0", 10
    reviews.save()
    return reviews


def test_the_index_shows_each_fragments_health_before_anything_else(operator_client):
    reviews = _reviews_with_a_canary()
    Fragment.objects.create(name="hero", enabled=False)
    ShellReport.record("shell-a", {"reviews": {"state": "open", "calls": 9, "failures": 9,
                                               "slow": 0, "rejected": 3}})  # fmt: skip
    html = operator_client.get("/admin/").content.decode()
    assert html.index('id="fragment-overview"') < html.index('id="health-dashboard-module"')
    assert html.index('id="fragment-overview"') < html.index('class="app-registry')
    row = html[html.index('data-fragment="reviews"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/admin/registry/fragment/{reviews.pk}/change/"' in row
    assert "3 / 4" in row and 'data-state="degraded"' in row
    assert "2.1.0: 2 instances, 90%" in row and "2.2.0: 1 instance, 10%" in row
    assert "open on 1/1 shells" in row
    last = Change.objects.filter(target="reviews").first().at
    assert timezone.localtime(last).strftime("%Y-%m-%d %H:%M") in row
    assert "?target_type=fragment&amp;q=reviews" in row  # its history
    hero = html[html.index('data-fragment="hero"') :]
    assert 'data-state="disabled"' in hero[: hero.index("</tr>")]
    assert "0 / 0" in hero[: hero.index("</tr>")]


def test_the_overview_costs_the_same_few_queries_however_many_fragments():
    _reviews_with_a_canary()
    with CaptureQueriesContext(connection) as one:
        overview()
    for n in range(5):
        fragment = Fragment.objects.create(name=f"f{n}")
        Instance.objects.create(fragment=fragment, base_url=f"http://127.0.0.1:{8200 + n}")
    with CaptureQueriesContext(connection) as six:
        rows = overview()
    assert len(rows) == 6
    assert len(six) == len(one) <= 4


# The fragments list: what is at stake first, and narrow enough for a laptop.


def test_the_fragments_list_puts_health_first_and_folds_the_role_into_one_column(
    operator_client,
):
    Fragment.objects.create(name="product", primary=True, required=True)
    html = operator_client.get("/admin/registry/fragment/").content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert headers[:5] == ["name", "health", "traffic", "breaker", "enabled"]
    assert "primary, required" in html
    assert "column-is_async" not in html and "column-primary" not in html
    assert "registry/admin.css" in html


# The preview: values the operator chooses, sensible ones until then.


def test_the_preview_leaves_a_query_parameter_empty_rather_than_give_it_a_sku(operator_client):
    listing = Fragment.objects.create(
        name="listing", path_template="/fragment?category={category}&q={q}&page={page}"
    )
    html = operator_client.get(f"/admin/registry/fragment/{listing.pk}/change/").content.decode()
    assert _preview_src(html) == f"{SHELL}/_fragment/listing"
    for name in ("category", "q", "page"):
        assert f'name="preview-{name}" value="" data-param="{name}"' in html
    assert 'form="fragment-preview"' in html and '<form id="fragment-preview"' in html
    assert "SKU-1001" not in html


def test_the_preview_takes_a_placements_values_and_then_the_operators(operator_client):
    recs = Fragment.objects.create(name="recs", path_template="/r/{sku}?limit={limit}&q={q}")
    page = Page.objects.create(name="p", route="/product/{sku}", layout="product.html", title="P")
    Placement.objects.create(
        page=page, slot="recommendations", fragment=recs, params={"limit": "4"}
    )
    url = f"/admin/registry/fragment/{recs.pk}/change/"
    html = operator_client.get(url).content.decode()
    assert _preview_src(html) == f"{SHELL}/_fragment/recs?sku=SKU-1001&limit=4"
    assert 'name="preview-sku" value="SKU-1001" data-param="sku" required' in html
    chosen = operator_client.get(url, {"preview-sku": "SKU-2002", "preview-q": "red mug"})
    assert _preview_src(chosen.content.decode()) == (
        f"{SHELL}/_fragment/recs?sku=SKU-2002&limit=4&q=red+mug"
    )


def test_a_fragment_saved_just_now_is_previewed_again_once_the_shells_have_it(operator_client):
    hero = Fragment.objects.create(name="hero")
    html = operator_client.get(f"/admin/registry/fragment/{hero.pk}/change/").content.decode()
    reload_ms = int(re.search(r'data-reload-ms="(\d+)"', html).group(1))
    assert 0 < reload_ms <= SHELL_PICKUP_S * 1000
    assert f"the shell picks up a fragment's changes within {SHELL_PICKUP_S} s" in html
    assert "registry/preview.js" in html
    earlier = timezone.now() - timedelta(seconds=SHELL_PICKUP_S + 1)
    Fragment.objects.filter(pk=hero.pk).update(updated_at=earlier)
    html = operator_client.get(f"/admin/registry/fragment/{hero.pk}/change/").content.decode()
    assert "data-reload-ms" not in html and "picks up" not in html


def test_the_preview_of_a_disabled_or_dead_fragment_says_why_it_shows_nothing(operator_client):
    hero = Fragment.objects.create(name="hero", enabled=False)
    html = operator_client.get(f"/admin/registry/fragment/{hero.pk}/change/").content.decode()
    assert "Disabled: the shell serves no preview of it" in html
    hero.enabled = True
    hero.save()
    html = operator_client.get(f"/admin/registry/fragment/{hero.pk}/change/").content.decode()
    assert "No live instance" in html
    Instance.objects.create(fragment=hero, base_url="http://127.0.0.1:8101")
    html = operator_client.get(f"/admin/registry/fragment/{hero.pk}/change/").content.decode()
    assert "No live instance" not in html and "Disabled" not in html


def test_fragments_without_an_owner_are_filtered_under_a_named_link(operator_client):
    Fragment.objects.create(name="hero", owner="")
    Fragment.objects.create(name="cart", owner="checkout")
    listing = operator_client.get("/admin/registry/fragment/").content.decode()
    assert '<a href="?owner=-">(no owner)</a>' in listing
    assert 'href="?owner="' not in listing  # an empty link, which no screen reader can name
    unowned = operator_client.get("/admin/registry/fragment/?owner=-").content.decode()
    assert (
        "/admin/registry/fragment/" in unowned and ">hero<" in unowned and ">cart<" not in unowned
    )
