"""Circuit breakers and bulkheads: each fragment's settings, the state operators force, and
the shells' reports on their breakers, in the API, the snapshot and the admin."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from registry.models import Change, Fragment, ShellReport
from registry.snapshot import build_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}
BREAKER_KEYS = {
    "window_s", "min_calls", "failure_rate", "slow_rate", "slow_ms", "open_s",
    "half_open_calls", "forced",
}  # fmt: skip
DEFAULTS = {
    "breaker_window_s": 10, "breaker_min_calls": 20, "breaker_failure_rate": 50,
    "breaker_slow_rate": 100, "breaker_slow_ms": 0, "breaker_open_s": 5,
    "breaker_half_open_calls": 3, "breaker_forced": "", "max_in_flight": 100,
}  # fmt: skip
#: Each numeric setting, a value just out of its range on each side, and one just inside.
BOUNDS = [
    ("breaker_window_s", 0, 601, (1, 600)),
    ("breaker_min_calls", 0, 10_001, (1, 10_000)),
    ("breaker_failure_rate", 0, 101, (1, 100)),
    ("breaker_slow_rate", 0, 101, (1, 100)),
    ("breaker_slow_ms", -1, 30_001, (0, 30_000)),
    ("breaker_open_s", 0, 3_601, (1, 3_600)),
    ("breaker_half_open_calls", 0, 101, (1, 100)),
    ("max_in_flight", 0, 10_001, (1, 10_000)),
]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def reviews() -> Fragment:
    return Fragment.objects.create(name="reviews", path_template="/fragment/{sku}")


def problems(response) -> dict[str, str]:
    """A refusal's reasons by field (the last part of each issue's `loc`)."""
    assert response.status_code == 422, response.content
    return {str(issue["loc"][-1]): issue["msg"] for issue in response.json()["detail"]}


# Settings ---------------------------------------------------------------------------------


def test_a_new_fragment_has_the_default_settings(reviews):
    assert {field: getattr(reviews, field) for field in DEFAULTS} == DEFAULTS
    reviews.full_clean()


@pytest.mark.parametrize(("field", "low", "high", "inside"), BOUNDS)
def test_the_model_refuses_settings_out_of_range(reviews, field, low, high, inside):
    reviews.timeout_ms = 30_000  # the longest: any slow-call threshold in range is within it
    for value in (low, high):
        setattr(reviews, field, value)
        with pytest.raises(ValidationError) as refused:
            reviews.full_clean()
        assert set(refused.value.message_dict) == {field}
    for value in inside:
        setattr(reviews, field, value)
        reviews.full_clean()


def test_a_slow_call_threshold_above_the_timeout_is_refused(operator_client, reviews):
    reviews.timeout_ms, reviews.breaker_slow_ms = 800, 801
    with pytest.raises(ValidationError) as refused:
        reviews.full_clean()
    assert set(refused.value.message_dict) == {"breaker_slow_ms"}
    reviews.breaker_slow_ms = 800
    reviews.full_clean()
    url = f"/admin/registry/fragment/{reviews.pk}/change/"
    form = _form(reviews, timeout_ms=800, breaker_slow_ms=900)
    page = operator_client.post(url, form)
    assert page.status_code == 200 and "at most the timeout (800 ms)" in page.content.decode()


def test_the_model_refuses_an_unknown_forced_state(reviews):
    reviews.breaker_forced = "half"
    with pytest.raises(ValidationError) as refused:
        reviews.full_clean()
    assert set(refused.value.message_dict) == {"breaker_forced"}


def _form(fragment: Fragment, **changes) -> dict:
    return {
        "name": fragment.name, "path_template": fragment.path_template, "timeout_ms": 1000,
        "max_body_bytes": 1048576, "cache_max_age": 0, "cache_stale_if_error": 0,
        "enabled": "on", "canary_percent": 0, **DEFAULTS,
        "instances-TOTAL_FORMS": 0, "instances-INITIAL_FORMS": 0, **changes,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("breaker_window_s", 601, "less than or equal to 600"),
        ("breaker_failure_rate", 0, "greater than or equal to 1"),
        ("breaker_slow_ms", 30_001, "less than or equal to 30000"),
        ("max_in_flight", 0, "greater than or equal to 1"),
        ("breaker_forced", "half", "Select a valid choice"),
    ],
)
def test_the_admin_refuses_settings_out_of_range(operator_client, reviews, field, value, message):
    url = f"/admin/registry/fragment/{reviews.pk}/change/"
    refused = operator_client.post(url, _form(reviews, **{field: value}))
    assert refused.status_code == 200
    assert message in refused.content.decode()
    reviews.refresh_from_db()
    assert getattr(reviews, field) == DEFAULTS[field]


def test_operators_set_the_breaker_next_to_failure_and_caching(operator_client, reviews):
    url = f"/admin/registry/fragment/{reviews.pk}/change/"
    page = operator_client.get(url).content.decode()
    caching = page.index("Failure and caching")
    breaker = page.index("Circuit breaker and bulkhead")
    assert caching < breaker < page.index("Preview")
    section = page[breaker:]
    assert 'name="breaker_window_s"' in section and 'name="max_in_flight"' in section
    assert "forced open sends every page straight to the fallback chain" in section
    assert "0: only what the fragment says" in page[caching:breaker]
    changes = {"breaker_window_s": 30, "breaker_slow_ms": 800, "max_in_flight": 20}
    saved = operator_client.post(url, _form(reviews, **changes))
    assert saved.status_code == 302
    reviews.refresh_from_db()
    assert (reviews.breaker_window_s, reviews.breaker_slow_ms, reviews.max_in_flight) == (
        30, 800, 20
    )  # fmt: skip


# Snapshot ---------------------------------------------------------------------------------


def test_the_snapshot_carries_the_default_breaker_and_bulkhead(reviews):
    (entry,) = build_snapshot()["fragments"]
    assert entry["breaker"] == {
        "window_s": 10, "min_calls": 20, "failure_rate": 50, "slow_rate": 100, "slow_ms": 0,
        "open_s": 5, "half_open_calls": 3, "forced": "",
    }  # fmt: skip
    assert entry["max_in_flight"] == 100


def test_the_snapshot_carries_the_operators_settings(reviews):
    for field, value in {
        "breaker_window_s": 60, "breaker_min_calls": 5, "breaker_failure_rate": 25,
        "breaker_slow_rate": 80, "breaker_slow_ms": 400, "breaker_open_s": 30,
        "breaker_half_open_calls": 1, "breaker_forced": "closed", "max_in_flight": 7,
    }.items():  # fmt: skip
        setattr(reviews, field, value)
    reviews.save()
    (entry,) = build_snapshot()["fragments"]
    assert set(entry["breaker"]) == BREAKER_KEYS
    assert entry["breaker"] == {
        "window_s": 60, "min_calls": 5, "failure_rate": 25, "slow_rate": 80, "slow_ms": 400,
        "open_s": 30, "half_open_calls": 1, "forced": "closed",
    }  # fmt: skip
    assert entry["max_in_flight"] == 7


def test_the_snapshot_document_describes_the_breaker(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert set(schemas["SnapshotBreaker"]["properties"]) == BREAKER_KEYS
    assert {"breaker", "max_in_flight"} <= set(schemas["SnapshotFragment"]["required"])


# Forcing the breaker through the API -----------------------------------------------------


def put_breaker(client: Client, body, name: str = "reviews", **headers):
    return client.put(
        f"/api/v1/fragments/{name}/breaker", body, content_type="application/json",
        **(headers or TOKEN),
    )  # fmt: skip


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}]
)
def test_forcing_the_breaker_needs_the_token(client, reviews, headers):
    response = client.put(
        "/api/v1/fragments/reviews/breaker", {"forced": "open"},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert response.status_code == 401
    reviews.refresh_from_db()
    assert reviews.breaker_forced == ""


def test_forcing_the_breaker_of_an_unknown_fragment_is_a_404(client, reviews):
    assert put_breaker(client, {"forced": "open"}, name="nosuch").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"forced": "half"},
        {"forced": "OPEN"},
        {"forced": " open"},
        {"forced": 1},
        {"forced": True},
        {"forced": None},
        {},
        {"forced": "open", "window_s": 5},  # a field this endpoint does not set
        ["open"],
    ],
)
def test_a_bad_forced_state_is_refused(client, reviews, body):
    response = put_breaker(client, body)
    assert response.status_code == 422, response.content
    reviews.refresh_from_db()
    assert reviews.breaker_forced == ""
    assert not Change.objects.filter(target="reviews", action="changed").exists()


def test_forcing_the_breaker_reaches_shells_and_the_history(client, reviews):
    response = put_breaker(client, {"forced": "open"})
    assert response.status_code == 200
    assert response.json() == {
        "fragment": "reviews", "window_s": 10, "min_calls": 20, "failure_rate": 50,
        "slow_rate": 100, "slow_ms": 0, "open_s": 5, "half_open_calls": 3, "forced": "open",
    }  # fmt: skip
    (entry,) = build_snapshot()["fragments"]
    assert entry["breaker"]["forced"] == "open"
    change = Change.objects.get(target="reviews", action="changed")
    assert (change.actor, change.target_type, change.details) == (
        "registry-token", "fragment", {"breaker_forced": ["", "open"]}
    )  # fmt: skip
    assert put_breaker(client, {"forced": ""}).json()["forced"] == ""
    assert build_snapshot()["fragments"][0]["breaker"]["forced"] == ""
    assert Change.objects.filter(target="reviews", action="changed").count() == 2


def test_forcing_the_same_state_again_records_nothing(client, reviews):
    put_breaker(client, {"forced": "closed"})
    put_breaker(client, {"forced": "closed"})
    assert Change.objects.filter(target="reviews", action="changed").count() == 1


# Shells' reports ---------------------------------------------------------------------------


def breaker(state="closed", calls=40, failures=1, slow=0, rejected=0) -> dict:
    return {"state": state, "calls": calls, "failures": failures, "slow": slow,
            "rejected": rejected}  # fmt: skip


def report(client: Client, body, **headers):
    return client.post(
        "/api/v1/shells/report", body, content_type="application/json", **(headers or TOKEN)
    )


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}]
)
def test_reports_need_the_token(client, headers):
    body = {"shell": "10.0.0.5:8000", "fragments": {"reviews": breaker()}}
    response = client.post(
        "/api/v1/shells/report", body, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert not ShellReport.objects.exists()


def test_a_report_is_stored_and_answered_with_204(client, reviews):
    body = {"shell": "10.0.0.5:8000", "fragments": {"reviews": breaker("open", 30, 20, 3, 9)}}
    response = report(client, body)
    assert response.status_code == 204 and response.content == b""
    stored = ShellReport.objects.get()
    assert stored.shell == "10.0.0.5:8000"
    assert stored.fragments == {"reviews": breaker("open", 30, 20, 3, 9)}
    assert timezone.now() - stored.received_at < timedelta(seconds=5)


def test_a_second_report_replaces_the_first(client):
    report(client, {"shell": "a:1", "fragments": {"reviews": breaker("open")}})
    first = ShellReport.objects.get()
    report(client, {"shell": "a:1", "fragments": {"hero": breaker("half_open")}})
    report(client, {"shell": "b:2", "fragments": {}})
    (second, other) = ShellReport.objects.order_by("shell")
    assert second.pk == first.pk and second.fragments == {"hero": breaker("half_open")}
    assert second.received_at >= first.received_at
    assert (other.shell, other.fragments) == ("b:2", {})


def test_reports_older_than_an_hour_are_pruned_when_a_report_comes_in(client):
    now = timezone.now()
    ShellReport.record("gone:1", {}, now=now - timedelta(minutes=61))
    ShellReport.record("quiet:1", {}, now=now - timedelta(minutes=59))
    assert ShellReport.objects.count() == 2
    assert report(client, {"shell": "a:1", "fragments": {}}).status_code == 204
    assert set(ShellReport.objects.values_list("shell", flat=True)) == {"quiet:1", "a:1"}


def test_reports_are_cheap_and_never_audited(client, reviews, django_assert_max_num_queries):
    history = Change.objects.count()
    body = {"shell": "a:1", "fragments": {"reviews": breaker()}}
    report(client, body)
    with django_assert_max_num_queries(4):  # upsert and prune, in one transaction
        assert report(client, body).status_code == 204
    assert Change.objects.count() == history


def test_fragments_the_registry_does_not_know_are_kept(client):
    report(client, {"shell": "a:1", "fragments": {"deleted-one": breaker("open")}})
    assert ShellReport.objects.get().fragments == {"deleted-one": breaker("open")}


def test_a_report_may_name_500_fragments(client):
    fragments = {f"f{i}": breaker() for i in range(500)}
    assert report(client, {"shell": "a:1", "fragments": fragments}).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shell": "a:1", "fragments": {"reviews": breaker("broken")}}, "state"),
        ({"shell": "a:1", "fragments": {"reviews": breaker("OPEN")}}, "state"),
        ({"shell": "a:1", "fragments": {"reviews": breaker(calls=-1)}}, "calls"),
        ({"shell": "a:1", "fragments": {"reviews": breaker(failures=10**9 + 1)}}, "failures"),
        ({"shell": "a:1", "fragments": {"reviews": breaker(slow="3")}}, "slow"),
        ({"shell": "a:1", "fragments": {"reviews": breaker(rejected=True)}}, "rejected"),
        ({"shell": "a:1", "fragments": {"reviews": breaker(calls=1.5)}}, "calls"),
        ({"shell": "a:1", "fragments": {"reviews": {"state": "open"}}}, "calls"),
        ({"shell": "a:1", "fragments": {"Reviews": breaker()}}, "[key]"),
        ({"shell": "a:1", "fragments": {"reviews\n": breaker()}}, "[key]"),
        ({"shell": "a:1", "fragments": {"x" * 64: breaker()}}, "[key]"),
        ({"shell": "a:1", "fragments": {f"f{i}": breaker() for i in range(501)}}, "fragments"),
        ({"shell": "a:1", "fragments": []}, "fragments"),
        ({"shell": "a:1"}, "fragments"),
        ({"shell": "", "fragments": {}}, "shell"),
        ({"shell": "x" * 101, "fragments": {}}, "shell"),
        ({"shell": "shell one", "fragments": {}}, "shell"),
        ({"shell": "a:1\r\nX: y", "fragments": {}}, "shell"),
        ({"shell": "h\u00f6st:1", "fragments": {}}, "shell"),
        ({"shell": 1, "fragments": {}}, "shell"),
        ({"fragments": {}}, "shell"),
    ],
)
def test_a_bad_report_is_refused_and_nothing_is_stored(client, body, field):
    assert field in problems(report(client, body))
    assert not ShellReport.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(client):
    assert report(client, ["a:1"]).status_code == 422


def test_the_api_document_lists_the_new_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "put" in paths["/api/v1/fragments/{name}/breaker"]
    assert "post" in paths["/api/v1/shells/report"]


# The admin ------------------------------------------------------------------------------------


def _reported(shell: str, age_s: float, **states: str) -> ShellReport:
    return ShellReport.objects.create(
        shell=shell,
        received_at=timezone.now() - timedelta(seconds=age_s),
        fragments={name: breaker(state) for name, state in states.items()},
    )


def _breaker_cell(listing: str, name: str) -> str:
    """The text of the "breaker" cell in the row of fragment `name`."""
    row = listing[listing.index(f">{name}</a>") :]
    row = row[: row.index("</tr>")]
    cell = row[row.index('class="field-breaker"') :]
    return cell[cell.index(">") + 1 : cell.index("</td>")]


def test_the_list_shows_the_worst_state_of_the_fresh_reports(operator_client):
    for name in ("cart", "hero", "promo", "reviews", "search"):
        Fragment.objects.create(name=name)
    Fragment.objects.filter(name="search").update(breaker_forced="open")
    _reported("a:1", 2, reviews="open", hero="closed", cart="half_open", promo="disabled")
    _reported("b:2", 5, reviews="closed", hero="closed", cart="open", promo="disabled")
    _reported("c:3", 40, hero="forced_open", promo="open")  # stale: left out
    listing = operator_client.get("/admin/registry/fragment/").content.decode()
    assert "Breaker" in listing
    assert _breaker_cell(listing, "reviews") == "open on 1/2 shells"
    assert _breaker_cell(listing, "hero") == "closed"
    assert _breaker_cell(listing, "cart") == "open on 1/2 shells"
    assert _breaker_cell(listing, "promo") == "disabled on 2/2 shells"
    assert _breaker_cell(listing, "search") == "— (forced open)"


def test_the_list_shows_a_dash_when_only_stale_reports_name_a_fragment(operator_client):
    Fragment.objects.create(name="reviews")
    _reported("a:1", 31, reviews="open")
    listing = operator_client.get("/admin/registry/fragment/").content.decode()
    assert _breaker_cell(listing, "reviews") == "—"


def test_the_list_reads_the_reports_once_per_page(operator_client, django_assert_max_num_queries):
    for i in range(3):
        Fragment.objects.create(name=f"f{i}")
    _reported("a:1", 1, f0="open", f1="closed")
    operator_client.get("/admin/registry/fragment/")
    with django_assert_max_num_queries(12):
        listing = operator_client.get("/admin/registry/fragment/").content.decode()
    assert _breaker_cell(listing, "f0") == "open on 1/1 shells"
    for i in range(3, 13):
        Fragment.objects.create(name=f"f{i}")
    with django_assert_max_num_queries(12):  # as many as with 3 rows
        operator_client.get("/admin/registry/fragment/")


def test_the_change_page_shows_each_shells_report(operator_client, reviews):
    _reported("a:1", 3, reviews="half_open")
    _reported("b:2", 125, reviews="open")
    _reported("c:3", 1, hero="open")  # not about this fragment
    page = operator_client.get(f"/admin/registry/fragment/{reviews.pk}/change/").content.decode()
    section = page[page.index("Circuit breaker and bulkhead") :]
    assert "<td>a:1</td><td>half open</td><td>40</td><td>1</td><td>0</td><td>0</td>" in section
    assert "<td>3 s ago</td>" in section
    assert "<td>b:2</td><td>open</td>" in section and "2 min ago (stale)" in section
    assert "<td>c:3</td>" not in section


def test_the_change_page_escapes_what_shells_report(operator_client, reviews):
    _reported("<b>x</b>", 1, reviews="open")
    page = operator_client.get(f"/admin/registry/fragment/{reviews.pk}/change/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_the_change_page_says_when_no_shell_reported(operator_client, reviews):
    page = operator_client.get(f"/admin/registry/fragment/{reviews.pk}/change/").content.decode()
    assert "No shell has reported on this fragment in the last hour." in page
    adding = operator_client.get("/admin/registry/fragment/add/")
    assert adding.status_code == 200 and "Save the fragment first." in adding.content.decode()


@pytest.mark.parametrize(
    ("action", "forced"),
    [("force_breaker_open", "open"), ("force_breaker_closed", "closed"), ("breaker_automatic", "")],
)
def test_admin_actions_force_the_breaker(operator_client, action, forced):
    before = "closed" if forced == "open" else "open"
    first = Fragment.objects.create(name="reviews", breaker_forced=before)
    second = Fragment.objects.create(name="hero", breaker_forced=before)
    response = operator_client.post(
        "/admin/registry/fragment/", {"action": action, "_selected_action": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    assert set(Fragment.objects.values_list("breaker_forced", flat=True)) == {forced}
    changes = Change.objects.filter(actor="operator", action="changed")
    assert {c.target for c in changes} == {"reviews", "hero"}
    assert all(c.details == {"breaker_forced": [before, forced]} for c in changes)
    assert build_snapshot()["fragments"][0]["breaker"]["forced"] == forced


def test_the_actions_are_offered_on_the_list(operator_client):
    Fragment.objects.create(name="reviews")
    listing = operator_client.get("/admin/registry/fragment/").content.decode()
    for label in ("Force breaker open", "Force breaker closed", "Breaker automatic"):
        assert label in listing
