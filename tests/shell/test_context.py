"""What fragments learn about a request, and what they never see."""

import base64
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shell.engine.config import FragmentConfig
from shell.engine.context import FORWARDED_HEADERS, request_context
from tessera.visitor import sign_visitor, verify_visitor

KEY = b"k" * 32


def parse(block: bytes) -> dict[str, str]:
    lines = block.decode("latin-1").split("\r\n")
    return dict(line.split(": ", 1) for line in lines if line)


header_names = st.sampled_from(
    [b"cookie", b"authorization", b"accept-language", b"user-agent", b"referer", b"connection",
     b"x-forwarded-for", b"host", b"te", b"upgrade", b"x-custom"]
)  # fmt: skip
header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@given(st.lists(st.tuples(header_names, header_values.map(str.encode)), max_size=12))
def test_only_allowlisted_headers_and_context_reach_fragments(headers):
    context = request_context(headers, "/p")
    sent = parse(context.header_block(KEY, 0))
    forwarded = {k.encode() for k in sent} - {
        b"accept", b"x-request-id", b"traceparent", b"x-tessera-locale", b"x-tessera-path",
        b"x-tessera-visitor",
    }  # fmt: skip
    assert forwarded <= FORWARDED_HEADERS
    assert "cookie" not in sent and "authorization" not in sent


def test_request_id_is_generated_unless_a_trusted_proxy_sets_it():
    given_id = [(b"x-request-id", b"from-proxy-123")]
    assert request_context(given_id, "/").request_id != "from-proxy-123"
    assert request_context(given_id, "/", trust_request_id=True).request_id == "from-proxy-123"
    bad = [(b"x-request-id", b"x\r\ninjected")]
    assert len(request_context(bad, "/", trust_request_id=True).request_id) == 32


def test_traceparent_is_continued_or_started():
    parent = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    continued = request_context([(b"traceparent", parent)], "/")
    assert continued.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert continued.span_id != "00f067aa0ba902b7"
    started = request_context([(b"traceparent", b"garbage")], "/")
    assert len(started.trace_id) == 32 and started.traceparent.startswith("00-")


def test_locale_comes_from_accept_language_or_defaults():
    assert request_context([(b"accept-language", b"fr-CA,fr;q=0.8")], "/").locale == "fr-CA"
    assert request_context([(b"accept-language", b"<script>")], "/").locale == "en"
    assert request_context([], "/").locale == "en"


def test_visitor_tokens_verify_only_untampered_and_unexpired():
    token = sign_visitor("visitor-1", KEY, now=1000)
    assert verify_visitor(token, KEY, now=1100) == "visitor-1"
    assert verify_visitor(token, KEY, now=1000 + 301) is None  # expired
    assert verify_visitor(token, b"other-key" * 4, now=1100) is None
    forged = token.replace("visitor-1", "visitor-2")
    assert verify_visitor(forged, KEY, now=1100) is None
    assert verify_visitor("garbage", KEY, now=0) is None


def test_visitor_tokens_carry_a_plain_hmac_sha256_any_stack_can_check():
    # Fragments in other languages verify with their own HMAC: the MAC must be the standard one.
    for key in (KEY, b"another key, of another length"):
        payload, _, mac = sign_visitor("visitor-1", key, now=1000).rpartition(".")
        expected = hmac.digest(key, payload.encode(), "sha256")
        assert base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)) == expected


def test_visitor_id_comes_from_the_shells_cookie_or_is_new():
    known = request_context([(b"cookie", b"a=1; tessera_visitor=abcdefghijklmnop")], "/")
    assert (known.visitor, known.new_visitor) == ("abcdefghijklmnop", False)
    forged = request_context([(b"cookie", b"tessera_visitor=<x>")], "/")
    assert forged.new_visitor and forged.visitor != "<x>"


def test_configured_extra_headers_are_passed_only_when_present():
    context = request_context([(b"cookie", b"s=1")], "/")
    assert context.extra_headers(["Cookie", "Authorization"]) == {"cookie": "s=1"}


def test_hop_by_hop_headers_cannot_be_configured_for_forwarding():
    with pytest.raises(ValueError, match="hop-by-hop"):
        FragmentConfig("f", forward_headers=("Connection",))


def test_a_path_with_encoded_line_breaks_cannot_add_headers():
    context = request_context([(b"user-agent", b"ua\r\nx-admin: 1")], "/p\r\nx-evil: 1")
    sent = parse(context.header_block(KEY, 0))
    assert "x-evil" not in sent and "x-admin" not in sent
    assert sent["x-tessera-path"] == "/px-evil: 1"
