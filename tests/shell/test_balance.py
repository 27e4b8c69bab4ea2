"""Choosing instances: round robin, and canaries sticky per visitor."""

from shell.engine import balance
from shell.engine.balance import in_canary, pick_instance, pick_other
from shell.engine.config import FragmentConfig
from shell.engine.ejection import EJECTION_S, Ejections
from shell.snapshot.parse import fragment_config

ENTRY = {
    "name": "reviews",
    "instances": [
        {"base_url": "http://a", "version": "v1"},
        {"base_url": "http://b", "version": "v1"},
        {"base_url": "http://c", "version": "v2"},
        {"base_url": "http://d", "version": "v0"},
    ],
    "routing": {"stable": ["v1"], "canary": "v2", "canary_percent": 50},
}


def test_the_snapshot_routing_splits_instances_by_version():
    config = fragment_config(ENTRY)
    assert config.instances == ("http://a", "http://b")
    assert (config.canary_instances, config.canary_percent) == (("http://c",), 50)
    assert config.standby_instances == ("http://d",)
    assert (config.stable_version, config.canary_version) == ("v1", "v2")  # the cache's keys
    assert set(config.every_instance) == {"http://a", "http://b", "http://c", "http://d"}
    unrouted = fragment_config({**ENTRY, "routing": None})
    assert unrouted.instances == ("http://a", "http://b", "http://c", "http://d")


def test_round_robin_over_the_serving_instances():
    config = fragment_config({**ENTRY, "name": "rr", "routing": {"stable": ["v1"]}})
    picks = [pick_instance(config) for _ in range(4)]
    assert sorted(picks) == ["http://a", "http://a", "http://b", "http://b"]
    assert pick_instance(FragmentConfig("none")) is None


def test_a_canary_gets_its_share_of_visitors_each_always_on_the_same_side():
    config = fragment_config(ENTRY)
    visitors = [f"visitor-{n:05d}" for n in range(2000)]
    sides = {v: pick_instance(config, v) == "http://c" for v in visitors}
    share = sum(sides.values()) / len(visitors)
    assert 0.45 < share < 0.55
    assert all((pick_instance(config, v) == "http://c") == sides[v] for v in visitors[:200])
    assert pick_instance(config, None) in ("http://a", "http://b")  # no visitor: stable


def test_canary_shares_grow_by_adding_visitors_not_reshuffling_them():
    visitors = [f"v{n}" for n in range(1000)]
    at_10 = {v for v in visitors if in_canary("reviews", v, 10)}
    at_50 = {v for v in visitors if in_canary("reviews", v, 50)}
    assert at_10 < at_50 and not any(in_canary("reviews", v, 0) for v in visitors)


def test_instances_get_traffic_in_proportion_to_their_weights():
    entry = {"name": "w", "instances": [
        {"base_url": "http://a", "version": "v1", "weight": 300},
        {"base_url": "http://b", "version": "v1", "weight": 100},
        {"base_url": "http://c", "version": "v1", "weight": 0},  # takes no new traffic
    ]}  # fmt: skip
    config = fragment_config(entry)
    assert config.instances == ("http://a", "http://b", "http://a", "http://a")
    picks = [pick_instance(config) for _ in range(400)]
    assert (picks.count("http://a"), picks.count("http://b"), picks.count("http://c")) == (
        300, 100, 0
    )  # fmt: skip
    assert config.every_instance == ("http://a", "http://b")


def test_weighted_rotations_stay_short():
    entry = {"name": "w", "instances": [
        {"base_url": "http://a", "version": "v1", "weight": 997},
        {"base_url": "http://b", "version": "v1", "weight": 1},
    ]}  # fmt: skip
    rotation = fragment_config(entry).instances
    assert len(rotation) <= 120 and rotation.count("http://b") == 1


def test_a_retry_goes_to_another_instance_even_when_weights_repeat_one():
    config = FragmentConfig("r", instances=("http://a", "http://a", "http://b"))
    assert {pick_other(config, None, "http://a") for _ in range(5)} == {"http://b"}
    assert pick_other(FragmentConfig("s", instances=("http://a",)), None, "http://a") is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rotation_passes_an_ejected_instance_by_until_it_is_back(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(balance, "ejections", Ejections(clock))
    config = FragmentConfig("rest", instances=("http://a", "http://b", "http://c"))
    assert balance.ejections.failed("http://b", config.instances, refused=True)
    picks = [pick_instance(config) for _ in range(6)]
    assert "http://b" not in picks and set(picks) == {"http://a", "http://c"}
    assert pick_other(config, None, "http://a") == "http://c"  # a retry passes it by too
    clock.now += EJECTION_S
    assert "http://b" in {pick_instance(config) for _ in range(3)}  # back in turn
    assert balance.ejections.until == {}


def test_when_every_instance_is_out_they_are_tried_anyway(monkeypatch):
    monkeypatch.setattr(balance, "ejections", Ejections(FakeClock()))
    config = FragmentConfig("all-down", instances=("http://a", "http://b"))
    balance.ejections.until.update({"http://a": 1e9, "http://b": 1e9})  # e.g. two pools' halves
    assert {pick_instance(config) for _ in range(4)} == {"http://a", "http://b"}
