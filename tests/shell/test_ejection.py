"""Outlier ejection of instances (Envoy's model), on a fake clock."""

from shell.engine.ejection import (
    CONSECUTIVE_FAILURES,
    EJECTION_S,
    MAX_EJECTION_S,
    Ejections,
)

POOL = ("http://a", "http://b", "http://c", "http://d")


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_connection_ejects_at_once():
    ejections = Ejections(Clock())
    assert ejections.failed("http://a", POOL, refused=True)
    assert ejections.alternative(POOL, "http://a") == "http://b"


def test_failures_in_a_row_eject_and_a_success_starts_the_count_again():
    ejections = Ejections(Clock())
    for _ in range(CONSECUTIVE_FAILURES - 1):
        assert not ejections.failed("http://a", POOL)
    ejections.succeeded("http://a")
    for _ in range(CONSECUTIVE_FAILURES - 1):
        assert not ejections.failed("http://a", POOL)
    assert ejections.failed("http://a", POOL)
    assert "http://a" in ejections.until and "http://a" not in ejections.failures


def test_each_ejection_in_a_row_lasts_longer_up_to_a_cap_and_a_long_stay_resets_it():
    clock = Clock()
    ejections = Ejections(clock)
    lengths = []
    for _ in range(12):
        ejections.failed("http://a", POOL, refused=True)
        lengths.append(ejections.until["http://a"] - clock.now)
        clock.now = ejections.until["http://a"]  # back in, and failing again at once
    assert lengths[:3] == [EJECTION_S, 2 * EJECTION_S, 3 * EJECTION_S]
    assert max(lengths) == MAX_EJECTION_S
    clock.now += MAX_EJECTION_S + 1  # it stayed in a good while
    ejections.failed("http://a", POOL, refused=True)
    assert ejections.until["http://a"] - clock.now == EJECTION_S


def test_never_more_than_half_of_a_fragments_instances_are_out():
    ejections = Ejections(Clock())
    results = [ejections.failed(url, POOL, refused=True) for url in POOL]
    assert results == [True, True, False, False]
    assert not Ejections(Clock()).failed("http://a", ("http://a",), refused=True)


def test_an_ejected_instance_is_back_when_its_time_is_up():
    clock = Clock()
    ejections = Ejections(clock)
    ejections.failed("http://a", POOL, refused=True)
    clock.now += EJECTION_S - 0.001
    assert ejections.alternative(POOL, "http://a") == "http://b"
    clock.now += 0.001
    assert ejections.alternative(POOL, "http://a") == "http://a"
    assert ejections.until == {}


def test_an_ejection_is_logged_with_the_instance_and_why(caplog):
    ejections = Ejections(Clock())
    with caplog.at_level("WARNING", logger="tessera.engine"):
        ejections.failed("http://a", POOL, refused=True)
        for _ in range(CONSECUTIVE_FAILURES):
            ejections.failed("http://b", POOL)
    logged = [(r.instance, r.reason, r.seconds) for r in caplog.records]
    assert logged == [
        ("http://a", "refused a connection", EJECTION_S),
        ("http://b", f"{CONSECUTIVE_FAILURES} failures in a row", EJECTION_S),
    ]
