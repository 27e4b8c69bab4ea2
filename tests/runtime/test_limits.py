import pytest

from tessera.runtime.limits import ServerLimits


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TESSERA_HEAD_TIMEOUT", "2.5")
    monkeypatch.setenv("TESSERA_KEEP_ALIVE", "7")
    monkeypatch.setenv("TESSERA_MAX_HEAD_BYTES", "16384")
    monkeypatch.setenv("TESSERA_MAX_HEADERS", "50")
    monkeypatch.setenv("TESSERA_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("TESSERA_MAX_CONNECTIONS", "64")
    assert ServerLimits.from_env() == ServerLimits(
        head_timeout=2.5,
        keep_alive=7.0,
        max_head_bytes=16384,
        max_headers=50,
        max_body_bytes=1000,
        max_connections=64,
    )


def test_unset_variables_leave_the_defaults(monkeypatch):
    names = ("HEAD_TIMEOUT", "KEEP_ALIVE", "MAX_HEAD_BYTES", "MAX_HEADERS", "MAX_BODY_BYTES")
    for name in (*names, "MAX_CONNECTIONS"):
        monkeypatch.delenv(f"TESSERA_{name}", raising=False)
    assert ServerLimits.from_env() == ServerLimits()


@pytest.mark.parametrize(("name", "value"), [("MAX_HEADERS", "many"), ("HEAD_TIMEOUT", "0")])
def test_a_malformed_or_non_positive_limit_stops_the_start(monkeypatch, name, value):
    monkeypatch.setenv(f"TESSERA_{name}", value)
    with pytest.raises(ValueError):
        ServerLimits.from_env()
