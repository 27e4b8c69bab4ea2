"""What fragments learn about a request, and what they never see."""

import base64
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.cookies import visitor_cookie
from shell.engine.locale import Locales
from tessera.runtime.tracing import begin
from tessera.runtime.visitor import sign_visitor, verify_visitor, visitor_cookie_value

KEY = b"k" * 32
VISITOR_KEY = b"v" * 32
#: Pinned here, not read from the module: widening what reaches fragments must fail a test.
FORWARDED = {b"accept-language", b"user-agent", b"referer"}
#: What the shell itself tells every fragment, besides those.
CONTEXT_HEADERS = {
    "accept", "x-request-id", "traceparent", "x-tessera-locale", "x-tessera-path",
    "x-tessera-visitor",
}  # fmt: skip
#: Credentials, addresses and anything else a browser (or an attacker) may send: never passed on.
NEVER_FORWARDED = [
    b"x-forwarded-for", b"cookie", b"authorization", b"x-unknown-header", b"proxy-authorization",
    b"x-real-ip", b"forwarded", b"host", b"origin", b"x-csrftoken", b"connection",
]  # fmt: skip


def context_of(headers, path="/", **options):
    return request_context(headers, path, visitor_key=VISITOR_KEY, **options)


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
    context = context_of(headers, "/p")
    sent = parse(context.header_block(KEY, 0))
    forwarded = {k.encode() for k in sent} - {
        b"accept", b"x-request-id", b"traceparent", b"x-tessera-locale", b"x-tessera-path",
        b"x-tessera-visitor",
    }  # fmt: skip
    assert forwarded == FORWARDED & {name for name, _ in headers}
    assert not {"cookie", "authorization", "x-forwarded-for", "x-custom", "host"} & set(sent)


def test_exactly_the_pinned_headers_reach_a_fragment_and_nothing_it_was_not_given():
    secret = b"s3cret-value-that-must-stay-with-the-shell"
    headers = [(name, b"from-browser " + name) for name in sorted(FORWARDED)]
    headers += [(name, secret) for name in NEVER_FORWARDED]
    context = context_of(headers, "/p")
    block = context.header_block(KEY, 0)
    sent = parse(block)
    assert set(sent) == {name.decode() for name in FORWARDED} | CONTEXT_HEADERS
    for name in FORWARDED:  # passed on unchanged
        assert sent[name.decode()] == "from-browser " + name.decode()
    for name in ("x-forwarded-for", "cookie", "authorization", "x-unknown-header"):
        assert name not in sent
    assert secret not in block  # not under another name either
    assert set(context.forwarded) == {name.decode() for name in FORWARDED}


def test_fragments_get_the_pages_ids_and_the_page_as_their_parent_span():
    hop = begin([], trust_request_id=False)
    context = context_of([], "/p", hop=hop)
    sent = parse(context.header_block(KEY, 0))
    assert sent["x-request-id"] == hop.request_id
    assert sent["traceparent"] == f"00-{hop.trace_id}-{hop.span_id}-01"


def test_the_locale_is_one_of_the_shops_languages_the_visitor_chose_or_their_browser_prefers():
    shop = Locales(("en", "ko"))

    def locale(accept_language=None, cookie=None):
        headers = [(b"accept-language", accept_language)] if accept_language else []
        headers += [(b"cookie", cookie)] if cookie else []
        return context_of(headers, locales=shop).locale

    assert locale(b"ko-KR,ko;q=0.9,en;q=0.8") == "ko"  # a region of a language the shop has
    assert locale(b"fr-CA,fr;q=0.9,ko;q=0.5,en;q=0.1") == "ko"  # by q-value, not position
    assert locale(b"en;q=0.2, ko;q=0.8") == "ko"
    assert locale(b"ko;q=0, en") == "en"  # q=0: not wanted
    assert locale(b"fr-CA,fr;q=0.8") == "en"  # none the shop has: its first language
    assert locale(b"<script>") == "en"
    assert locale() == "en"
    assert locale(b"en", b"tessera_locale=ko") == "ko"  # the visitor's choice wins
    assert locale(b"ko", b"a=1; tessera_locale=fr") == "ko"  # a language the shop lacks: not
    assert context_of([(b"accept-language", b"ko")]).locale == "en"  # an English-only shop


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


def test_visitor_id_comes_from_the_shells_signed_cookie_or_is_new():
    signed = visitor_cookie_value("abcdefghijklmnop", VISITOR_KEY).encode()
    known = context_of([(b"cookie", b"a=1; tessera_visitor=" + signed)])
    assert (known.visitor, known.new_visitor) == ("abcdefghijklmnop", False)
    for forged in (
        b"<x>",
        b"abcdefghijklmnop",  # a bare id, as a client would choose one
        signed[:-1] + (b"B" if signed.endswith(b"A") else b"A"),  # a MAC that is not the one
        visitor_cookie_value("abcdefghijklmnop", b"another key").encode(),
        visitor_cookie_value("bcdefghijklmnopq", VISITOR_KEY).encode()[:16] + signed[16:],
    ):
        context = context_of([(b"cookie", b"tessera_visitor=" + forged)])
        assert context.new_visitor and context.visitor != "abcdefghijklmnop", forged


def test_a_new_visitors_cookie_is_signed_and_secure_over_https():
    context = context_of([])
    cookie = visitor_cookie(context.visitor, VISITOR_KEY).decode()
    value = cookie.split(";")[0].partition("=")[2]
    assert context_of([(b"cookie", f"tessera_visitor={value}".encode())]).visitor == context.visitor
    assert "Secure" not in cookie
    assert "; Secure" in visitor_cookie(context.visitor, VISITOR_KEY, secure=True).decode()


def test_configured_extra_headers_are_passed_only_when_present():
    context = context_of([(b"cookie", b"s=1")])
    assert context.extra_headers(["Cookie", "Authorization"]) == {"cookie": "s=1"}


def test_a_fragment_receiving_cookies_never_gets_the_shells_own():
    cookie = b"tessera_visitor=v.mac; s=1; CSRFtoken=x; csrftoken=y; sessionid=z; t=2"
    context = context_of([(b"cookie", cookie)])
    assert context.extra_headers(["cookie"]) == {"cookie": "s=1; t=2"}
    only_the_shells = context_of([(b"cookie", b"tessera_visitor=v.mac; csrftoken=y")])
    assert only_the_shells.extra_headers(["cookie"]) == {}


def test_hop_by_hop_headers_cannot_be_configured_for_forwarding():
    with pytest.raises(ValueError, match="hop-by-hop"):
        FragmentConfig("f", forward_headers=("Connection",))


def test_a_path_with_encoded_line_breaks_cannot_add_headers():
    context = context_of([(b"user-agent", b"ua\r\nx-admin: 1")], "/p\r\nx-evil: 1")
    sent = parse(context.header_block(KEY, 0))
    assert "x-evil" not in sent and "x-admin" not in sent
    assert sent["x-tessera-path"] == "/px-evil: 1"


def test_control_characters_from_the_browser_never_reach_a_fragment():
    # A fragment's server refuses a request whose header holds one, losing the fragment.
    context = context_of([(b"user-agent", b"a\x01b\x1bc\x7fd\te")], "/p\x00\x1b")
    block = context.header_block(KEY, 0)
    assert not any((byte < 32 and byte not in b"\t\r\n") or byte == 127 for byte in block)
    assert parse(block)["user-agent"] == "abcd\te"


def test_what_reaches_a_fragment_stays_within_its_bound_on_request_heads():
    long = b"x" * 3000
    context = context_of(
        [(b"referer", long), (b"user-agent", b"ua"), (b"accept-language", long)], "/" + "p" * 40_000
    )
    sent = parse(context.header_block(KEY, 0))
    assert sent["user-agent"] == "ua" and "referer" not in sent
    assert len(context.header_block(KEY, 0)) < 4096
