"""A request's ids: kept from the caller when trusted, continued from its traceparent, passed on."""

import re

import pytest

from tessera.runtime.tracing import Hop, begin, current, outgoing

PARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
HEX = re.compile(r"[0-9a-f]+")


def test_request_id_is_made_here_unless_the_caller_is_trusted_to_give_it():
    given = [(b"x-request-id", b"from-proxy-123")]
    assert begin(given, trust_request_id=False).request_id != "from-proxy-123"
    assert begin(given, trust_request_id=True).request_id == "from-proxy-123"


@pytest.mark.parametrize(
    "bad", [b"x\r\ninjected-header", b"short", b"a" * 129, "é-accented-id".encode(), b""]
)
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_caller(bad):
    request_id = begin([(b"x-request-id", bad)], trust_request_id=True).request_id
    assert len(request_id) == 32 and HEX.fullmatch(request_id)


def test_traceparent_is_continued_with_a_new_span_of_its_own():
    hop = begin([(b"traceparent", PARENT)], trust_request_id=False)
    assert hop.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert hop.parent_span_id == "00f067aa0ba902b7"
    assert len(hop.span_id) == 16 and hop.span_id != hop.parent_span_id
    assert hop.traceparent == f"00-{hop.trace_id}-{hop.span_id}-01"


@pytest.mark.parametrize(
    "bad",
    [
        b"garbage",
        b"00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent
        b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        PARENT + b"-extra",
    ],
)
def test_an_invalid_traceparent_starts_a_new_trace(bad):
    hop = begin([(b"traceparent", bad)], trust_request_id=False)
    assert hop.parent_span_id == ""
    assert hop.trace_id != "4bf92f3577b34da6a3ce929d0e0e4736" and HEX.fullmatch(hop.trace_id)


def test_every_hop_gets_fresh_ids():
    hops = [begin([], trust_request_id=False) for _ in range(50)]
    assert len({hop.request_id for hop in hops}) == 50
    assert len({hop.trace_id for hop in hops}) == 50
    assert len({hop.span_id for hop in hops}) == 50


def test_calls_made_while_serving_carry_the_ids_and_none_outside_a_request():
    assert outgoing() == {}
    hop = Hop("req-12345", "a" * 32, "b" * 16, "", 0.0)
    token = current.set(hop)
    try:
        assert outgoing() == {
            "x-request-id": "req-12345",
            "traceparent": f"00-{'a' * 32}-{'b' * 16}-01",
        }
    finally:
        current.reset(token)
