import json
import logging
import stat

import pytest

from tessera.runtime.env import env_bool, env_int, env_list, service_url
from tessera.runtime.jsonlog import JsonFormatter
from tessera.runtime.secrets import SECRET_NAMES, local_secrets, secret
from tessera.runtime.tracing import Hop, current


def test_local_secrets_are_generated_once_private_and_complete(tmp_path):
    first = local_secrets(tmp_path)
    assert set(first) == set(SECRET_NAMES)
    assert len(set(first.values())) == len(SECRET_NAMES)
    path = tmp_path / "secrets.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secrets(tmp_path) == first


def test_a_missing_secret_is_added_without_changing_the_others(tmp_path):
    (tmp_path / "secrets.env").write_text("TESSERA_SECRET_KEY=keep-me\n")
    values = local_secrets(tmp_path)
    assert values["TESSERA_SECRET_KEY"] == "keep-me"
    assert set(values) == set(SECRET_NAMES)


def test_the_environment_wins_over_the_local_file(monkeypatch):
    monkeypatch.setenv("TESSERA_REGISTRY_TOKEN", "from-env")
    assert secret("TESSERA_REGISTRY_TOKEN") == "from-env"


def test_environment_values_are_parsed_or_rejected_by_name(monkeypatch):
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_BAD", "twelve")
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_LIST", " a, b ,,c")
    assert env_int("X_INT", 1) == 12
    assert env_int("X_UNSET", 7) == 7
    with pytest.raises(ValueError, match="X_BAD='twelve' is not an integer"):
        env_int("X_BAD", 1)
    assert env_bool("X_BOOL", False) is True
    assert env_list("X_LIST", []) == ["a", "b", "c"]


def test_service_url_explains_how_to_get_it(monkeypatch):
    monkeypatch.delenv("TESSERA_NOWHERE_URL", raising=False)
    with pytest.raises(RuntimeError, match="TESSERA_NOWHERE_URL is not set"):
        service_url("nowhere")
    monkeypatch.setenv("TESSERA_CATALOG_URL", "http://127.0.0.1:8201/")
    assert service_url("catalog") == "http://127.0.0.1:8201"


def test_log_lines_are_json_with_the_request_id_and_extras():
    formatter = JsonFormatter(service="hero")
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": "hi %s", "args": ("x",)}
    )
    record.instance_id = 3
    token = current.set(Hop("abc", "t" * 32, "s" * 16, "", 0.0))
    try:
        entry = json.loads(formatter.format(record))
    finally:
        current.reset(token)
    assert entry["msg"] == "hi x" and entry["service"] == "hero"
    assert entry["request_id"] == "abc" and entry["instance_id"] == 3
    assert entry["trace_id"] == "t" * 32 and entry["span_id"] == "s" * 16
    outside = json.loads(formatter.format(record))
    assert "request_id" not in outside and "trace_id" not in outside
    assert entry["level"] == "info" and entry["ts"].endswith("Z")
