"""The shell's layouts: an operator's folder extends the shell's own, its files are published
to the registry, and a new or changed file is picked up without a restart."""

import asyncio
import json
import logging

import httpx
import pytest

from shell.engine import layout
from shell.publishing import LayoutPublisher
from shell.snapshot import SnapshotPoller

SIDEBAR = """{% extends "base.html" %}
{% block main %}{{ slot("aside") }}{{ slot("main") }}{% endblock %}
"""


@pytest.fixture
def folder(tmp_path):
    """An operator's layouts folder, looked in first; the shell's own alone afterwards."""
    layout.use_folders(tmp_path)
    yield tmp_path
    layout.use_folders()


class Registry:
    """Takes published layouts, or is down, or refuses them."""

    def __init__(self) -> None:
        self.published: dict[str, list[str]] = {}
        self.down = False
        self.status = 201

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("registry down", request=request)
        assert request.headers["authorization"] == "Bearer s3cret"
        name = request.url.path.rsplit("/", 1)[1]
        if self.status < 300:
            self.published[name] = json.loads(request.content)["slots"]
        return httpx.Response(self.status, json={})


def run_checks(registry: Registry, *steps, changed: list | None = None) -> None:
    """Run `publisher.check()` once per step, calling each step (a folder change) first."""
    changes = changed if changed is not None else []

    async def scenario():
        publisher = LayoutPublisher(
            "http://registry",
            "s3cret",
            on_change=lambda: changes.append(1),
            transport=httpx.MockTransport(registry),
        )
        for step in steps:
            step()
            await publisher.check()
        await publisher.stop()

    asyncio.run(scenario())


def test_every_layout_is_published_with_its_slots_the_operators_included(folder):
    (folder / "sidebar.html").write_text(SIDEBAR)
    registry = Registry()
    run_checks(registry, lambda: None)
    assert registry.published == {
        "cart.html": ["header", "main", "footer"],
        "home.html": ["header", "hero", "main", "footer"],
        "listing.html": ["header", "main", "footer"],
        "product.html": ["header", "product", "buybox", "reviews", "recommendations", "footer"],
        "sidebar.html": ["header", "aside", "main", "footer"],  # base.html's frame, its slots
    }  # no base.html, no error pages


def test_a_file_not_named_as_a_layout_is_not_one(folder):
    for odd in ("home.html#.html", "home.html?.html", "Side.html", "_partial.html"):
        (folder / odd).write_text(SIDEBAR)
    (folder / "sidebar.html").write_text(SIDEBAR)
    assert "sidebar.html" in layout.available()
    assert not {"home.html#.html", "home.html?.html", "Side.html", "_partial.html"} & set(
        layout.available()
    )


def test_a_new_layout_file_is_picked_up_and_published_without_a_restart(folder):
    registry, changes, after_quiet_look = Registry(), [], []
    run_checks(
        registry,
        lambda: None,  # the first look publishes everything
        registry.published.clear,  # a look with nothing changed...
        lambda: after_quiet_look.append(dict(registry.published)),  # ...published nothing
        lambda: (folder / "sidebar.html").write_text(SIDEBAR),
        changed=changes,
    )
    assert after_quiet_look == [{}]
    assert "sidebar.html" in registry.published
    assert len(changes) == 1  # the snapshot was read again once, for the one change
    assert layout.load_layout("sidebar.html").slots == ("header", "aside", "main", "footer")


def test_a_layout_that_does_not_compile_costs_only_itself(folder, caplog):
    (folder / "broken.html").write_text("{% extends 'base.html' %}{% block main %}{{ slot(")
    registry = Registry()
    with caplog.at_level(logging.ERROR, "tessera.layouts"):
        run_checks(registry, lambda: None)
    assert "broken.html" not in registry.published and "home.html" in registry.published
    (record,) = [r for r in caplog.records if r.msg == "layout does not compile"]
    assert record.layout == "broken.html" and "TemplateSyntaxError" in record.error


def test_a_layout_not_published_while_the_registry_is_down_is_published_later(folder):
    registry = Registry()
    registry.down = True

    def back():
        registry.down = False

    run_checks(registry, lambda: None, back)
    assert "home.html" in registry.published


def test_a_layout_refused_while_pages_use_a_slot_it_dropped_is_published_once_they_moved(
    folder, caplog
):
    registry = Registry()
    registry.status = 409  # pages still place fragments in a slot the file no longer has

    def moved():
        registry.status = 200

    with caplog.at_level(logging.ERROR, "tessera.layouts"):
        run_checks(registry, lambda: None, lambda: None, moved)
    assert "home.html" in registry.published  # tried again on the next look, then taken
    refusals = [r for r in caplog.records if r.layout == "home.html"]
    assert [r.msg for r in refusals] == [
        "registry refused the layout until pages move their placements"
    ]  # said once, not at every look


def test_a_page_left_out_for_a_layout_the_shell_lacked_is_served_once_the_file_exists(folder):
    document = {
        "fragments": [],
        "pages": [{"name": "side", "route": "/side", "layout": "sidebar.html", "title": "S",
                   "slots": {}}],
    }  # fmt: skip

    def registry(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=document, headers={"ETag": '"1"'})

    poller = SnapshotPoller("http://registry", transport=httpx.MockTransport(registry))
    asyncio.run(poller.refresh())
    assert poller.site().router.match("/side") is None
    (folder / "sidebar.html").write_text(SIDEBAR)
    layout.reload()
    poller.rebuild()
    page, _ = poller.site().router.match("/side")
    assert page.layout == "sidebar.html"
