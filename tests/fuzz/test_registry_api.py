"""Fuzz the registry's API from its own OpenAPI document, against the real registry process.

Schemathesis generates requests for every operation, schema-valid and not, anonymous and with
the registry token (so writes get past authentication), about 30 per operation and kind: no
answer may be a 5xx, and every answer must be one the document declares, in the shape it
declares. The registry runs as `up` runs it (uvicorn, ASGI, its own settings) on a free
loopback port with its own SQLite database in a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from registry.api import api

from conftest import free_port
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.secrets import local_secrets
from tests.fuzz.checks import CHECKS

pytestmark = pytest.mark.integration


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "no output"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The registry's URL and token: migrated, then served by `tessera.runtime.serve`."""
    data = tmp_path_factory.mktemp("registry-fuzz")
    env = {
        **os.environ,
        **local_secrets(data),
        "TESSERA_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "registry.settings",
    }
    env.pop("DATABASE_URL", None)  # fuzzed writes go to a throwaway SQLite, never a shared DB
    manage = str(REPO_ROOT / "manage.py")
    for command in (["migrate", "--noinput", "-v", "0"], ["seed"]):  # fragments to write to
        subprocess.run([sys.executable, manage, *command], env=env, check=True)
    url = f"http://127.0.0.1:{free_port()}"
    log = data / "registry.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tessera.runtime.serve", "registry.asgi:application",
             "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"the registry exited: {_log_tail(log)}"
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"the registry is not healthy: {_log_tail(log)}"
            time.sleep(0.1)
        yield url, env["TESSERA_REGISTRY_TOKEN"]
    finally:
        process.terminate()
        process.wait(10)


# The document is built in-process, at collection, so that each operation is its own test
# (schemathesis' fixture-based loader does not run under pytest 9); the first test checks it
# is the very document the running registry serves.
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema()))
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_fuzzed_document_is_the_one_the_registry_serves(registry):
    url, _ = registry
    assert httpx.get(f"{url}/api/openapi.json").json() == DOCUMENT


FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_anonymous_requests_are_answered_as_documented_and_never_with_a_5xx(case, registry):
    url, _ = registry
    case.call_and_validate(base_url=url, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_requests_with_the_token_are_answered_as_documented_and_never_with_a_5xx(case, registry):
    url, token = registry
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(base_url=url, headers=headers, checks=CHECKS)
