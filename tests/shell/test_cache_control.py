"""What a fragment's response lets the cache do: RFC 9111's shared-cache subset, RFC 5861."""

from shell.engine.cache_control import Storage, directives, storage
from shell.engine.httpclient import Response


def response(cache_control=None, **headers) -> Response:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    if cache_control is not None:
        raw.append((b"cache-control", cache_control.encode()))
    return Response(200, raw, b"<p>x</p>")


def test_directives_are_read_case_blind_with_quoted_arguments():
    assert directives('Public, MAX-AGE="30", no-cache , ,stale-if-error=5') == {
        "public": "",
        "max-age": "30",
        "no-cache": "",
        "stale-if-error": "5",
    }


def test_public_and_s_maxage_share_across_visitors_and_s_maxage_wins_for_shared():
    assert storage(response("public, max-age=30"), 0, 0) == Storage(30, 0, 0, True, ())
    assert storage(response("s-maxage=60, max-age=5"), 0, 0) == Storage(60, 0, 0, True, ())


def test_anything_not_marked_public_is_kept_per_visitor():
    assert storage(response("max-age=30"), 0, 0) == Storage(30, 0, 0, False, ())
    assert storage(response("private, public, max-age=30"), 0, 0).shared is False
    per_visitor = storage(response("public, max-age=30", vary="x-tessera-visitor"), 0, 0)
    assert (per_visitor.shared, per_visitor.vary) == (False, ())


def test_what_may_never_be_kept():
    assert storage(response("no-store, public, max-age=30"), 60, 60) is None
    assert storage(response("public, max-age=30", set_cookie="a=1"), 0, 0) is None
    assert storage(response("public, max-age=30", vary="*"), 0, 0) is None
    assert storage(response("public, max-age=30", vary="x-request-id"), 0, 0) is None
    assert storage(response("public, max-age=30", vary="cookie"), 0, 0) is None
    assert storage(response(), 0, 0) is None  # nothing said, no registry default
    assert storage(response("public"), 0, 0) is None  # nothing to keep it for


def test_vary_over_headers_the_fragment_gets_including_configured_ones():
    kept = storage(response("public, max-age=9", vary="Accept-Language, x-tessera-locale"), 0, 0)
    assert kept.vary == ("accept-language", "x-tessera-locale")
    assert storage(response("public, max-age=9", vary="cookie"), 0, 0, ("cookie",)).vary == (
        "cookie",
    )


def test_the_registry_fills_in_what_the_fragment_leaves_out_and_no_more():
    assert storage(response(), 30, 600) == Storage(30, 0, 600, False, ())
    assert storage(response("public, max-age=5"), 30, 600) == Storage(5, 0, 600, True, ())
    given = storage(response("public, max-age=5, stale-if-error=7"), 30, 600)
    assert given.if_error_s == 7


def test_stale_directives_and_what_forbids_them():
    given = "public, max-age=5, stale-while-revalidate=20, stale-if-error=99"
    kept = storage(response(given), 0, 0)
    assert (kept.fresh_s, kept.revalidate_s, kept.if_error_s) == (5, 20, 99)
    strict = storage(response("public, max-age=5, must-revalidate, stale-if-error=99"), 0, 600)
    assert (strict.revalidate_s, strict.if_error_s) == (0, 0)
    proxy = storage(response("public, max-age=5, proxy-revalidate, stale-if-error=99"), 0, 0)
    assert proxy.if_error_s == 0


def test_no_cache_keeps_it_only_to_revalidate_and_age_counts_against_freshness():
    assert storage(response("public, no-cache", etag='"v1"'), 0, 0) == Storage(0, 0, 0, True, ())
    assert storage(response("public, no-cache"), 0, 0) is None  # nothing to revalidate with
    assert storage(response("public, max-age=30", age="10"), 0, 0).fresh_s == 20
    assert storage(response("public, max-age=soon", etag='"v"'), 0, 0).fresh_s == 0


def test_a_number_that_is_not_ascii_digits_is_ignored_and_a_huge_one_is_capped():
    superscript = Response(200, [(b"cache-control", b"public, max-age=\xb2"), (b"etag", b'"v"')])
    assert storage(superscript, 0, 0).fresh_s == 0  # latin-1 '²': a digit to str.isdigit()
    assert storage(response("public, max-age=\u0661\u0662", etag='"v"'), 0, 0).fresh_s == 0
    assert storage(response("public, max-age=" + "9" * 5000), 0, 0).fresh_s == 2**31
    assert storage(response("public, max-age=60", age="\xb2"), 0, 0).fresh_s == 60
