"""A new layout is a new file in the operator's layouts folder: the running shell publishes it
to the registry, which then takes pages using it, and the shell serves them, with no restart
and no code change."""

import time

import httpx
import pytest

from conftest import RunningStack

pytestmark = pytest.mark.integration

SIDEBAR = """{% extends "base.html" %}
{% block main %}
<div class="sidebar-layout">{{ slot("aside") }}{{ slot("main") }}</div>
{% endblock %}
"""


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack whose shell has an operator's layouts folder, empty at first."""
    data = tmp_path_factory.mktemp("layouts")
    folder = data / "operator-layouts"
    folder.mkdir()
    running = RunningStack(data)
    running.supervisor.environ["TESSERA_LAYOUTS_DIR"] = str(folder)
    running.start()
    yield running, folder
    running.stop()


def _eventually(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.2)
    return result


def _layouts(registry: str) -> dict[str, list[str]]:
    return {e["name"]: e["slots"] for e in httpx.get(f"{registry}/api/v1/layouts").json()}


def test_a_layout_file_added_while_running_is_published_and_its_pages_served(own_stack):
    stack, folder = own_stack
    registry, shell = stack.url("registry"), stack.url("shell")
    token = {"Authorization": f"Bearer {stack.secrets['TESSERA_REGISTRY_TOKEN']}"}
    page = {"route": "/side", "layout": "sidebar.html", "title": "Side",
            "placements": [{"slot": "header", "fragment": "header"},
                           {"slot": "aside", "fragment": "hero"}]}  # fmt: skip
    # Before the file exists, the registry refuses the page, naming the layouts it knows.
    refused = httpx.put(f"{registry}/api/v1/pages/side", json=page, headers=token)
    assert refused.status_code == 422
    assert "no shell has published a layout sidebar.html" in refused.text

    (folder / "sidebar.html").write_text(SIDEBAR)
    slots = _eventually(lambda: _layouts(registry).get("sidebar.html"))
    assert slots == ["header", "aside", "main", "footer"]

    created = httpx.put(f"{registry}/api/v1/pages/side", json=page, headers=token)
    assert created.status_code == 201, created.text

    def served() -> str | None:
        response = httpx.get(f"{shell}/side", timeout=5)
        ok = response.status_code == 200 and 'class="sidebar-layout"' in response.text
        return response.text if ok else None

    html = _eventually(served)
    aside = html[html.index('class="sidebar-layout"') :]
    assert 'class="site-header"' in html and 'class="hero' in aside
