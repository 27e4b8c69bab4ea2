"""The SSRF guard and the string rules: what is refused, why, and what is stored instead."""

import re

import pytest
from django.core.exceptions import ValidationError
from registry.addresses import parse_rules
from registry.validators import (
    validate_cookie_names,
    validate_fallback_url,
    validate_instance_url,
    validate_path_template,
    validate_route,
    validate_single_line,
    validate_text,
)

from tessera.runtime.contract import KINDS

ALLOWED = ["127.0.0.1", "localhost", "169.254.169.254", "metadata.google.internal"]


def refusal(url: str, allowed=ALLOWED, denied=()) -> str:
    with pytest.raises(ValidationError) as error:
        validate_instance_url(url, allowed, denied)
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://127.0.0.1:8102", "http://127.0.0.1:8102"),
        ("https://localhost/fragments/", "https://localhost/fragments"),
        ("http://LOCALHOST:9000", "http://localhost:9000"),
        ("HTTP://127.0.0.1:8102/", "http://127.0.0.1:8102"),
        ("http://127.0.0.1:80/", "http://127.0.0.1"),
        ("http://127.0.0.1:08102", "http://127.0.0.1:8102"),
        ("http://[::ffff:127.0.0.1]:8102", "http://127.0.0.1:8102"),
        ("http://localhost:8102/a%2fb/", "http://localhost:8102/a%2fb"),
    ],
)
def test_allowed_urls_are_returned_in_their_canonical_form(url, canonical):
    assert validate_instance_url(url, ALLOWED, ()) == canonical


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme must be http or https, not 'file'"),
        ("gopher://127.0.0.1:70/", "not 'gopher'"),
        ("ftp://127.0.0.1/", "not 'ftp'"),
        ("127.0.0.1:8000", "scheme must be http or https"),
        ("http://", "URL has no host"),
        ("http://169.254.169.254/latest/meta-data", "metadata or link-local"),
        ("http://[fe80::1]:80/", "metadata or link-local"),
        ("http://[::ffff:169.254.169.254]/", "metadata or link-local"),
        ("http://[fd00:ec2::254]/", "metadata or link-local"),
        ("http://metadata.google.internal/", "metadata or link-local"),
        ("http://0.0.0.0:8102", "not the address of one host"),
        ("http://[::]:8102", "not the address of one host"),
        ("http://10.0.0.8:80", "'10.0.0.8' is not on the registry's allowlist"),
        ("http://evil.example/", "not on the registry's allowlist"),
        ("http://user:pw@127.0.0.1/", "must not carry credentials"),
        ("http://127.0.0.1:99999/", "not a valid URL: port 99999 is out of range"),
        ("http://127.0.0.1:0/", "port 0 is out of range"),
        ("http://127.0.0.1:/", "port (empty) is out of range"),
        ("http://127.0.0.1/?next=x", "must not have a query"),
        ("http://127.0.0.1/#top", "must not have a query or fragment"),
        ("http://127.1:8102", "neither a host name nor a dotted IPv4 address"),
        ("http://2130706433:8102", "neither a host name nor a dotted IPv4 address"),
        ("http://localhost.:8102", "neither a host name nor a dotted IPv4 address"),
        ("http://[fe80::1%25eth0]/", "an IPv6 zone is not allowed"),
        ("http://127.0.0.1:8102//x", "must not contain '//'"),
        ("http://127.0.0.1:8102/a/../admin", "'.' or '..' segments"),
        ("http://127.0.0.1:8102/a/%2e%2E/admin", "'.' or '..' segments, escaped or not"),
        ("http://127.0.0.1:8102/%zz", "'%' not followed by two hex digits"),
    ],
)
def test_unsafe_or_unlisted_urls_are_refused_with_the_reason(url, reason):
    assert reason in refusal(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8102\r\nX-Injected: 1", "a line break (position 22)"),
        ("http://127.0.0.1:8102\n", "a line break"),
        ("\thttp://127.0.0.1:8102", "a tab (position 1)"),
        ("http://127.0.0.1:8102/a b", "a space"),
        ("http://127.0.0.1:8102/\x00", "a control character ('\\x00')"),
        ("http://127.0.0.1:8102/\x7f", "a control character"),
        ("http://127.0.0.1:8102/caf\u00e9", "a non-ASCII character ('é')"),
        ("http://127.0.0.1:8102/\u00a0", "whitespace"),
        ("http://127.0.0.1:8102/\x85", "a control character"),
        ("http://127.0.0.1:8102/<x>", "must not contain '<'"),
        ("http://127.0.0.1:8102/a\\b", "must not contain '\\\\'"),
    ],
)
def test_urls_with_characters_urlsplit_would_drop_or_pass_are_refused(url, reason):
    """urlsplit strips the line breaks and tabs that made it through before: now the string
    is refused as it is, so a request line can never carry them."""
    message = refusal(url)
    assert message.startswith("URL must not contain") or "URL path" in message
    assert reason in message


def test_a_fallback_url_keeps_its_path_but_is_checked_like_an_instance_url(settings):
    settings.REGISTRY_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REGISTRY_DENIED = ["127.0.0.1:8001"]
    assert validate_fallback_url("HTTP://127.0.0.1:9000/down/") == "http://127.0.0.1:9000/down/"
    for url, reason in [
        ("http://127.0.0.1:9000/down\r\n", "a line break"),
        ("http://127.0.0.1:8001/admin/", "refused by TESSERA_REGISTRY_DENIED entry"),
        ("http://127.0.0.1:22/", "port 22 of '127.0.0.1' is not allowed"),
        ("http://127.0.0.1:9000/down?x=1", "a URL must not have a query"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            validate_fallback_url(url)


def test_a_listed_network_allows_its_addresses_but_never_metadata():
    pods = ["10.0.0.0/8", "169.254.0.0/16"]
    assert validate_instance_url("http://10.42.3.7:8106", pods, ()) == "http://10.42.3.7:8106"
    assert "not on the registry's allowlist" in refusal("http://11.0.0.1/", pods)
    assert "not on the registry's allowlist" in refusal("http://ten.example/", pods)
    assert "metadata or link-local" in refusal("http://169.254.169.254/", pods)


@pytest.mark.parametrize("port", [22, 25, 111, 1023])
def test_a_host_without_ports_allows_web_and_unprivileged_ports_only(port):
    assert validate_instance_url("http://127.0.0.1", ["127.0.0.1"], ())
    assert validate_instance_url("https://127.0.0.1", ["127.0.0.1"], ())
    assert validate_instance_url("http://127.0.0.1:1024", ["127.0.0.1"], ())
    message = refusal(f"http://127.0.0.1:{port}", ["127.0.0.1"])
    assert message == (
        f"port {port} of '127.0.0.1' is not allowed (allowlist entry '127.0.0.1' allows ports "
        f"80, 443, 1024-65535); add '127.0.0.1:{port}' to TESSERA_REGISTRY_ALLOWED_HOSTS to "
        "allow it"
    )


def test_entries_with_ports_and_ranges_allow_exactly_those_ports():
    allowed = ["127.0.0.1:8100-8199", "10.0.0.0/8:8080", "[::1]:8100", "fragments.internal:9000"]
    for url in [
        "http://127.0.0.1:8100",
        "http://127.0.0.1:8199",
        "http://10.1.2.3:8080",
        "http://[::1]:8100",
        "http://fragments.internal:9000",
    ]:
        assert validate_instance_url(url, allowed, ()) == url
    assert "'127.0.0.1:8100-8199' allows ports 8100-8199" in refusal(
        "http://127.0.0.1:8200", allowed
    )
    assert "'10.0.0.0/8:8080' allows ports 8080" in refusal("http://10.1.2.3:22", allowed)
    assert "'[::1]:8100' allows ports 8100" in refusal("http://[::1]:8101", allowed)
    assert "'::2' is not on the registry's allowlist" in refusal("http://[::2]:8100", allowed)


def test_an_explicit_port_allows_even_a_privileged_one():
    assert validate_instance_url("http://127.0.0.1:22", ["127.0.0.1:22"], ()) == (
        "http://127.0.0.1:22"
    )


@pytest.mark.parametrize(
    ("url", "where", "entry"),
    [
        ("http://127.0.0.1:8001", "127.0.0.1:8001", "127.0.0.1:8001"),
        ("http://localhost:8001/", "localhost:8001", "127.0.0.1:8001"),  # localhost: loopback
        ("http://[::ffff:127.0.0.1]:8201", "127.0.0.1:8201", "127.0.0.1:8201"),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "localhost:8000"),  # ...and the other way
        ("http://127.0.0.2:8205", "127.0.0.2:8205", "0.0.0.0:8205"),  # on every interface
        ("http://127.0.0.1:8200", "127.0.0.1:8200", "127.0.0.1:8200-8299"),
        ("http://localhost:9999", "localhost:9999", "localhost"),  # no ports: every port
        ("http://[::1]:8001", "[::1]:8001", "127.0.0.1:8001"),  # one host, any loopback
        ("http://127.0.0.2:8001", "127.0.0.2:8001", "127.0.0.1:8001"),
    ],
)
def test_denied_addresses_are_refused_even_when_allowed_naming_the_entry(url, where, entry):
    assert refusal(url, ["127.0.0.0/8", "localhost"], [entry, "10.9.9.9"]) == (
        f"{where} is refused by TESSERA_REGISTRY_DENIED entry {entry!r}: an internal address "
        "(the registry, the shell or a backend stub)"
    )


def test_denied_entries_leave_other_ports_and_hosts_alone():
    denied = ["127.0.0.1:8001", "127.0.0.1:8201"]
    assert validate_instance_url("http://127.0.0.1:8102", ["127.0.0.1"], denied)
    assert validate_instance_url("http://127.0.0.1:41234", ["127.0.0.1"], denied)


def test_the_denylist_defaults_to_the_setting(settings):
    settings.REGISTRY_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REGISTRY_DENIED = ["127.0.0.1:8201"]
    with pytest.raises(ValidationError, match=r"TESSERA_REGISTRY_DENIED entry '127\.0\.0\.1:8201'"):
        validate_instance_url("http://127.0.0.1:8201")
    assert validate_instance_url("http://127.0.0.1:8202") == "http://127.0.0.1:8202"


@pytest.mark.parametrize(
    ("entry", "denied", "reason"),
    [
        ("127.0.0.1:99999", False, "not a port range within 1-65535"),
        ("127.0.0.1:9000-8000", False, "not a port range within 1-65535"),
        ("127.0.0.1:ssh", False, "not a port or a port range"),
        ("not-a-network/x", False, "not a host name, an address or a network"),
        ("[::1]8100", False, "goes in brackets"),
        ("0.0.0.0", False, "no host's address"),  # noqa: S104 - an entry, not a bind
    ],
)
def test_malformed_entries_are_configuration_errors_naming_setting_and_entry(entry, denied, reason):
    setting = "TESSERA_REGISTRY_ALLOWED_HOSTS"
    with pytest.raises(ValueError, match=f"{setting}: entry '.*': .*{reason}"):
        parse_rules((entry,), setting, denied=denied)


def test_an_unspecified_address_may_be_denied_as_every_address():
    (rule,) = parse_rules(("0.0.0.0:8001",), "TESSERA_REGISTRY_DENIED", denied=True)
    assert rule.covers("10.1.2.3", 8001, ()) and rule.covers("::1", 8001, ())
    assert not rule.covers("10.1.2.3", 8002, ())


@pytest.mark.parametrize(
    "template",
    [
        "/fragment",
        "/fragment/{sku}",
        "/p/{sku}/reviews/{page}",
        "/fragment?category={category}&q={q}&page={page}",
        "/f/a%20b/~x_y.z!$&'()*+,;=:@",
        "/fragment/",
    ],
)
def test_path_templates_with_named_placeholders_are_valid(template):
    validate_path_template(template)


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("fragment", "must start with '/'"),
        ("/f/{1sku}", "not a valid parameter name"),
        ("/f/{sku", "unbalanced"),
        ("//evil.example/x", "must not contain '//'"),
        ("/fragment\x00", "a control character"),
        ("/fragment\r\nHost: evil", "a line break"),
        ("/frag ment", "a space"),
        ("/fragment\t", "a tab"),
        ("/fr\u00e4gment", "a non-ASCII character"),
        ("/fragment#top", "must not contain '#'"),
        ("/f|x", "must not contain '|'"),
        ("/f/<x>", "must not contain '<'"),
        ("/f/%zz", "'%' not followed by two hex digits"),
        ("/f/../admin", "'.' or '..' segments"),
        ("/fragment/%2e%2e/{a}", "'.' or '..' segments, escaped or not"),
        ("/f/{sku}?q={q}#x", "must not contain '#'"),
    ],
)
def test_bad_path_templates_are_refused(template, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_path_template(template)


@pytest.mark.parametrize(
    ("route", "reason"),
    [("/c/{category}\n", "a line break"), ("/caf\u00e9", "non-ASCII"), ("/s?q={q}\x00", "control")],
)
def test_routes_follow_the_path_template_rules_too(route, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_route(route)


def test_route_parameters_may_name_the_kind_the_shell_checks():
    from registry.validators import template_parameters

    from shell.engine.routing import compile_route

    for kind in KINDS:  # every kind of the contract, which shells check at the edge
        validate_route(f"/p/{{x:{kind}}}?q={{q:{kind}}}")
        compile_route(f"/p/{{x:{kind}}}?q={{q:{kind}}}")
    validate_route("/c/{category:slug}?page={page:int}&q={q:str}")
    assert template_parameters("/c/{category:slug}?page={page:int}") == {"category", "page"}
    for route, reason in [
        ("/p/{x:float}", "the kind of a parameter is one of str, int, slug"),
        ("/p/{x:}", "the kind of a parameter"),
        ("/p/{x:INT}", "the kind of a parameter"),
        ("/p/a{x:int}", "must be a whole"),
        ("/s?page={p:int}", "must have the form name="),
    ]:
        with pytest.raises(ValidationError, match=reason):
            validate_route(route)


@pytest.mark.parametrize("route", ["/p/{x}/{x}", "/p/{x:int}/{x:slug}"])
def test_a_route_capturing_one_parameter_twice_is_refused_as_no_shell_can_compile_it(route):
    from shell.engine.routing import compile_route

    with pytest.raises(re.error):
        compile_route(route)
    with pytest.raises(ValidationError, match=r"route names parameter \{x\} more than once"):
        validate_route(route)


@pytest.mark.parametrize("route", ["/p/{x}?x={x}", "/s?q={q}&q={q}"])
def test_a_route_naming_a_parameter_again_in_its_query_is_refused(route):
    # A shell reads the query's value over the path's: the page would never see the path's.
    with pytest.raises(ValidationError, match=r"route names parameter \{(x|q)\} more than once"):
        validate_route(route)


@pytest.mark.parametrize(
    "route",
    [
        "/",
        "/product/{sku}",
        "/c/{category:slug}/{page:int}",
        "/search?q={q}&page={page:int}",
        "/p/{_x1}/a%20b",
    ],
)
def test_a_route_the_registry_accepts_is_one_a_shell_can_compile(route):
    from shell.engine.routing import compile_route

    validate_route(route)
    compile_route(route)


def test_one_line_text_refuses_control_characters_but_not_other_languages():
    validate_single_line("Ihr Warenkorb — 購物車")
    for text in ["a\nb", "a\rb", "a\tb", "a\x00b", "a\x1bb", "a\x85b"]:
        with pytest.raises(ValidationError, match="must not contain"):
            validate_single_line(text)


def test_free_text_keeps_lines_and_tabs_but_refuses_other_control_characters():
    validate_text("<p>line one</p>\r\n\t<p>line two</p>")
    for text in ["a\x00b", "a\x08b", "a\x7fb"]:
        with pytest.raises(ValidationError, match="a control character"):
            validate_text(text)


@pytest.mark.parametrize("cookies", ["", "reviews_sort", "a, b-c,d.e", "x!#$%&'*+^`|~"])
def test_cookie_names_are_http_tokens(cookies):
    validate_cookie_names(cookies)


@pytest.mark.parametrize(
    ("cookies", "reason"),
    [
        ("tessera_visitor", "'tessera_visitor' is the shell's own cookie"),
        ("sort, csrftoken", "'csrftoken' is the shell's own cookie"),
        ("SessionID", "'SessionID' is the shell's own cookie"),
        ("a=b", "'a=b' is not a cookie name"),
        ("a;b", "'a;b' is not a cookie name"),
        ("a b", "'a b' is not a cookie name"),
        ("a\r\nSet-Cookie", "is not a cookie name"),
        ("caf\u00e9", "is not a cookie name"),
        ("__Host-id", "a __Host- cookie needs Path=/"),
    ],
)
def test_bad_or_reserved_cookie_names_are_refused(cookies, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_cookie_names(cookies)
