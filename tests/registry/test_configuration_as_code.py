"""Configuration as code: `registry export` writes the registry's configuration as one YAML
document, `registry apply` makes the registry match one (in one transaction, through the
models' rules), and `seed` builds the demo storefront from the committed file."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from registry.configuration import Invalid, apply, dump, export, load
from registry.management.commands.seed import STOREFRONT
from registry.models import Change, Fragment, Instance, Page, Placement
from registry.snapshot import build_snapshot

from tessera.runtime.env import REPO_ROOT
from tessera.runtime.secrets import local_secrets

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]


def _registry() -> None:
    """A registry using most of what a document holds, written the way the admin does."""
    header = Fragment.objects.create(
        name="header", path_template="/fragment?q={q}", timeout_ms=500, owner="team-frame"
    )
    product = Fragment.objects.create(
        name="product",
        path_template="/fragment/{sku}",
        primary=True,
        required=True,
        description="The product's main block.\nTwo lines of it.",
        fallback_url="http://localhost:8080/fallback",
        fallback_html="<p>Product unavailable</p>",
        forward_headers="cookie",
        cookies="recent_sku",
        cache_max_age=30,
        breaker_window_s=20,
        breaker_slow_ms=400,
        max_in_flight=50,
    )
    recs = Fragment.objects.create(
        name="recs", path_template="/fragment/{sku}?limit={limit}", is_async=True
    )
    Fragment.objects.create(name="promo", enabled=False)
    Instance.objects.create(
        fragment=recs, base_url="http://127.0.0.1:8107", manual=True, version="2.0", weight=40
    )
    Instance.objects.create(fragment=recs, base_url="http://127.0.0.1:8108", manual=True)
    Instance.objects.create(fragment=product, base_url="http://127.0.0.1:8104")  # self-registered
    page = Page.objects.create(
        name="product",
        route="/product/{sku}",
        layout="product.html",
        title="Product — shop",
        titles={"ko": "상품 — 상점", "de": "Produkt"},
    )
    Placement.objects.create(page=page, slot="header", fragment=header)
    Placement.objects.create(page=page, slot="product", fragment=product)
    # Two fragments in one slot, in an order the admin numbered its own way.
    Placement.objects.create(
        page=page, slot="recommendations", fragment=recs, order=20, params={"limit": "4"}
    )
    Placement.objects.create(page=page, slot="recommendations", fragment=product, order=10)
    Page.objects.create(name="cart", route="/cart", layout="cart.html", title="Your cart")


def _state() -> tuple[str, list[tuple[str, str, bool]], int]:
    """Everything apply could touch: the document, every instance, the history's length."""
    instances = list(Instance.objects.values_list("fragment__name", "base_url", "manual"))
    return dump(export()), sorted(instances), Change.objects.count()


def _empty_registry() -> None:
    Page.objects.all().delete()
    Fragment.objects.all().delete()  # and their instances and placements


def _file(tmp_path: Path, text: str, name: str = "registry.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _apply(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("registry", "apply", str(path), *options, stdout=out)
    return out.getvalue()


def test_export_then_apply_on_an_empty_registry_then_export_gives_the_same_document(tmp_path):
    _registry()
    exported = StringIO()
    call_command("registry", "export", stdout=exported)
    text = exported.getvalue()
    assert "http://127.0.0.1:8104" not in text  # a self-registered instance is not configuration
    assert "created_at" not in text and "id:" not in text
    _empty_registry()
    assert not Fragment.objects.exists()
    _apply(_file(tmp_path, text))
    assert dump(export()) == text
    document = load(text)
    recs = next(f for f in document.fragments if f.name == "recs")
    assert [(i.base_url, i.values) for i in recs.instances] == [
        ("http://127.0.0.1:8107", {"version": "2.0", "weight": 40}),
        ("http://127.0.0.1:8108", {"version": "dev", "weight": 100}),
    ]
    (page,) = [p for p in document.pages if p.name == "product"]
    assert page.values["titles"] == {"de": "Produkt", "ko": "상품 — 상점"}
    assert [(p.slot, p.fragment, p.params) for p in page.placements] == [
        ("header", "header", {}),
        ("product", "product", {}),
        ("recommendations", "product", {}),
        ("recommendations", "recs", {"limit": "4"}),
    ]


def test_the_document_is_readable_yaml_leaving_defaults_out():
    _registry()
    document = export()
    assert document["fragments"]["header"] == {
        "owner": "team-frame", "path_template": "/fragment?q={q}", "timeout_ms": 500
    }  # fmt: skip
    assert document["fragments"]["promo"] == {"enabled": False}
    assert document["pages"]["cart"] == {
        "route": "/cart",
        "layout": "cart.html",
        "title": "Your cart",
    }
    text = dump(document)
    assert "title: Product — shop" in text  # written as it reads, not escaped
    assert "    titles:\n      de: Produkt\n      ko: 상품 — 상점\n" in text  # by language


def test_applying_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    _registry()
    path = _file(tmp_path, dump(export()))
    # The registry's own export, applied to it: the admin's placement order is kept as it is.
    assert _apply(path).strip() == "no changes"
    _empty_registry()
    first = _apply(path)
    assert "+ fragment product" in first and "+ placement recs in product/recommendations" in first
    before = _state()
    assert _apply(path).strip() == "no changes"
    assert _state() == before  # no write, not even an entry in the history


def test_urls_are_stored_canonical_and_their_other_spellings_are_no_change(tmp_path):
    text = GOOD.replace("http://127.0.0.1:8106", "HTTP://LOCALHOST:8106/").replace(
        "    path_template: /fragment\n", "    fallback_url: http://LOCALHOST:8080/x\n", 1
    )
    path = _file(tmp_path, text)
    _apply(path)
    assert Instance.objects.get().base_url == "http://localhost:8106"
    assert Fragment.objects.get(name="header").fallback_url == "http://localhost:8080/x"
    assert _apply(path).strip() == "no changes"


def test_a_changed_file_is_applied_and_its_diff_printed_first(tmp_path):
    _registry()
    text = dump(export()).replace("timeout_ms: 500", "timeout_ms: 400")
    text = text.replace("title: Your cart", "title: Basket")
    output = _apply(_file(tmp_path, text))
    assert output.splitlines() == [
        "~ fragment header",
        "    timeout_ms: 500 → 400",
        "~ page cart",
        '    title: "Your cart" → "Basket"',
        "2 to change",
        "applied",
    ]
    assert Fragment.objects.get(name="header").timeout_ms == 400
    assert Page.objects.get(name="cart").title == "Basket"


def test_a_dry_run_prints_the_diff_and_writes_nothing(tmp_path):
    _registry()
    text = dump(export()).replace("timeout_ms: 500", "timeout_ms: 400")
    text += "  home:\n    route: /\n    layout: home.html\n    title: Home\n"
    before = _state()
    output = _apply(_file(tmp_path, text), "--dry-run")
    assert "~ fragment header\n    timeout_ms: 500 → 400" in output
    assert "+ page home" in output
    assert output.rstrip().endswith("1 to create, 1 to change\ndry run: nothing written")
    assert _state() == before


def test_what_the_file_leaves_out_stays_unless_pruned_and_self_registered_instances_always(
    tmp_path,
):
    _registry()
    path = _file(tmp_path, dump(export()))
    extra = Fragment.objects.create(name="legacy")
    running = Fragment.objects.create(name="running")  # registered by its own service
    Instance.objects.create(fragment=running, base_url="http://127.0.0.1:8110")
    Instance.objects.create(fragment=extra, base_url="http://127.0.0.1:8109", manual=True)
    Page.objects.create(name="home", route="/", layout="home.html", title="Home")
    Placement.objects.create(
        page=Page.objects.get(name="cart"), slot="main", fragment=Fragment.objects.get(name="recs")
    )
    before = _state()
    assert _apply(path).strip() == "no changes"
    assert _state() == before
    output = _apply(path, "--prune")
    assert set(output.splitlines()) >= {
        "- page home",
        "- placement recs in cart/main",
        "- instance legacy http://127.0.0.1:8109",
        "- fragment legacy",
        "= fragment running",
        "    kept: it has self-registered instances (1), which are never pruned",
    }
    assert dump(export()) == path.read_text().replace(
        "pages:\n", "  running: {}\npages:\n"
    )  # all but the fragment whose service still runs
    assert Instance.objects.filter(base_url="http://127.0.0.1:8104", manual=False).exists()
    assert Instance.objects.filter(base_url="http://127.0.0.1:8110", manual=False).exists()


GOOD = """\
fragments:
  header:
    path_template: /fragment
  reviews:
    path_template: /fragment/{sku}
    instances:
    - base_url: http://127.0.0.1:8106
pages:
  product:
    route: /product/{sku}
    layout: product.html
    title: Product
    placements:
    - slot: header
      fragment: header
    - slot: reviews
      fragment: reviews
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    path_template: /fragment\n", "    path_template: /fragment\n    timout_ms: 5\n"),
            "fragments.header.timout_ms: unknown key (did you mean timeout_ms?)",
        ),
        (
            ("    path_template: /fragment\n", "    path_template: /fragment\n    timeout_ms: x\n"),
            "fragments.header.timeout_ms: must be a number, not text",
        ),
        (
            ("    path_template: /fragment\n", "    path_template: /fragment\n    primary: 1\n"),
            "fragments.header.primary: must be true/false, not a number",
        ),
        (
            ("    - base_url: http://127.0.0.1:8106\n", "    - base_url: http://127.0.0.1:8106\n"
             "      version: 2.0\n"),
            "fragments.reviews.instances[0].version: must be text, not a number (quote it)",
        ),
        (
            ("pages:\n", "  header:\n    timeout_ms: 300\npages:\n"),
            "line 8, column 3",  # a fragment given twice: YAML would keep the last silently
        ),
        (
            ("    - slot: reviews\n", "    - slot: haeder\n"),
            "pages.product.placements[1].slot: layout product.html has no slot 'haeder' "
            "(it has: header, product, buybox, reviews, recommendations, footer)",
        ),
        (
            ("      fragment: reviews\n", "      fragment: reviws\n"),
            "pages.product.placements[1].fragment: no fragment 'reviws' in this file",
        ),
        (
            ("    path_template: /fragment/{sku}\n", "    path_template: /fragment/{sku}/{page}\n"),
            "pages.product.placements[1]: reviews's path needs page, which neither the route "
            "/product/{sku} nor the placement's parameters provide",
        ),
        (
            ("http://127.0.0.1:8106", "http://169.254.169.254"),
            "fragments.reviews.instances[0].base_url: host '169.254.169.254' is a metadata or "
            "link-local address and is refused",
        ),
        (
            ("    route: /product/{sku}\n", "    route: product\n"),
            "pages.product.route: path template must start with '/'",
        ),
        (("", "- just a list\n"), "the document: must be a mapping, not a list"),
    ],
    ids=[
        "unknown key", "wrong type", "text for a flag", "unquoted version", "key given twice",
        "typo'd slot", "unknown fragment", "parameter the route lacks", "ssrf instance url",
        "bad route", "not a mapping",
    ],
)  # fmt: skip
def test_a_bad_file_names_the_place_and_reason_and_writes_nothing(tmp_path, change, message):
    _registry()
    old, new = change
    text = new if not old else GOOD.replace(old, new, 1)
    assert text != GOOD
    before = _state()
    with pytest.raises(CommandError) as refused:
        _apply(_file(tmp_path, text), "--prune")
    assert message in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert _state() == before  # not the good entries before the bad one either


def test_every_problem_of_shape_is_named_at_once():
    document = (
        "fragmets: {}\n"
        "pages:\n  p:\n    route: /p\n    titel: P\n"
        "    placements:\n    - {slot: main, fragment: x, params: {n: 4}}\n"
    )
    with pytest.raises(Invalid) as refused:
        load(document)
    assert refused.value.problems == [
        "fragmets: unknown key (did you mean fragments?)",
        "pages.p.titel: unknown key (did you mean title?)",
        "pages.p: layout is missing",
        "pages.p: title is missing",
        "pages.p.placements[0].params.n: must be text, not a number (quote it)",
    ]


def test_the_history_records_who_applied(tmp_path):
    path = _file(tmp_path, GOOD, name="storefront.yaml")
    _apply(path)
    assert set(Change.objects.values_list("actor", flat=True)) == {"apply:storefront.yaml"}
    _apply(_file(tmp_path, GOOD.replace("title: Product", "title: P")), "--actor", "ci:build-42")
    change = Change.objects.get(actor="ci:build-42")
    assert (change.action, change.target_type, change.details) == (
        "changed", "page", {"title": ["Product", "P"]}
    )  # fmt: skip


def test_settings_the_deploy_tools_move_are_left_alone(tmp_path):
    path = _file(tmp_path, GOOD)
    _apply(path)
    Instance.objects.create(
        fragment=Fragment.objects.get(name="reviews"), base_url="http://127.0.0.1:8116"
    )
    Fragment.objects.filter(name="reviews").update(
        canary_version="2", canary_percent=10, breaker_forced="open"
    )
    assert _apply(path).strip() == "no changes"
    reviews = Fragment.objects.get(name="reviews")
    assert (reviews.canary_version, reviews.canary_percent, reviews.breaker_forced) == (
        "2", 10, "open"
    )  # fmt: skip


def test_the_demo_file_builds_the_demo_storefront_on_an_empty_registry():
    assert not Page.objects.exists()
    apply(load(STOREFRONT.read_text()), actor="test")
    pages = {p["name"]: p for p in build_snapshot()["pages"]}
    assert sorted(pages) == ["cart", "category", "checkout", "home", "product", "search"]
    assert pages["product"]["slots"] == {
        "header": ["header"], "product": ["product"], "buybox": ["buybox"],
        "reviews": ["reviews"], "recommendations": ["recommendations"], "footer": ["footer"],
    }  # fmt: skip
    assert dump(export()) == STOREFRONT.read_text()  # the file is exactly an export


def test_seed_builds_the_demo_file_and_only_creates_what_is_missing():
    call_command("seed")
    assert dump(export()) == STOREFRONT.read_text()
    Fragment.objects.filter(name="hero").update(timeout_ms=900)
    Placement.objects.filter(page__name="home", slot="hero").delete()
    call_command("seed")
    assert Fragment.objects.get(name="hero").timeout_ms == 900  # an operator's edit stays
    assert Placement.objects.filter(page__name="home", slot="hero").exists()  # as it always was


def test_seed_admin_only_creates_no_configuration():
    call_command("seed", "--admin-only")
    assert not Fragment.objects.exists() and not Page.objects.exists()


def test_one_apply_from_the_command_line_builds_the_demo_storefront(tmp_path):
    """As an operator runs it, from the repository's root, against a registry's own database:
    a refused file exits non-zero with the reason on stderr, then the demo file builds the
    storefront, and an export gives the file back."""
    env = {
        **os.environ,
        **local_secrets(tmp_path),
        "TESSERA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "registry.settings",
    }
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert manage("migrate", "--noinput", "-v", "0").returncode == 0
    bad = _file(tmp_path, GOOD.replace("- slot: reviews", "- slot: haeder"))
    refused = manage("registry", "apply", str(bad))
    assert refused.returncode != 0
    assert "pages.product.placements[1].slot: layout product.html has no slot" in refused.stderr
    applied = manage("registry", "apply", str(STOREFRONT))
    assert applied.returncode == 0, applied.stderr
    assert "+ page home" in applied.stdout
    out = tmp_path / "export.yaml"
    assert manage("registry", "export", "--output", str(out)).returncode == 0
    assert out.read_text() == STOREFRONT.read_text()


def test_a_document_nested_thousands_deep_is_refused_with_a_reason():
    with pytest.raises(Invalid, match="nested too deeply"):
        load("fragments: " + "[" * 5000)
