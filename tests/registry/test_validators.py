import pytest
from django.core.exceptions import ValidationError
from registry.models import validate_path_template
from registry.validators import validate_instance_url

ALLOWED = ["127.0.0.1", "localhost", "169.254.169.254", "metadata.google.internal"]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8102", "https://localhost/fragments/", "http://LOCALHOST:9000"],
)
def test_allowlisted_http_urls_are_accepted(url):
    assert validate_instance_url(url, ALLOWED) == url.rstrip("/")


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
        ("http://10.0.0.8:80", "'10.0.0.8' is not on the registry's allowlist"),
        ("http://evil.example/", "not on the registry's allowlist"),
        ("http://user:pw@127.0.0.1/", "must not carry credentials"),
        ("http://127.0.0.1:99999/", "not a valid URL"),
        ("http://127.0.0.1/?next=x", "must not have a query"),
    ],
)
def test_unsafe_or_unlisted_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(ValidationError) as error:
        validate_instance_url(url, ALLOWED)
    assert reason in " ".join(error.value.messages)


@pytest.mark.parametrize("template", ["/fragment", "/fragment/{sku}", "/p/{sku}/reviews/{page}"])
def test_path_templates_with_named_placeholders_are_valid(template):
    validate_path_template(template)


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("fragment", "must start with '/'"),
        ("/f/{1sku}", "not a valid parameter name"),
        ("/f/{sku", "unbalanced"),
        ("//evil.example/x", "must not contain '//'"),
    ],
)
def test_bad_path_templates_are_refused(template, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_path_template(template)


def test_a_listed_network_allows_its_addresses_but_never_metadata():
    pods = ["10.0.0.0/8", "169.254.0.0/16", "not-a-network/x"]
    assert validate_instance_url("http://10.42.3.7:8106", pods) == "http://10.42.3.7:8106"
    for url, reason in [
        ("http://11.0.0.1/", "not on the registry's allowlist"),
        ("http://ten.example/", "not on the registry's allowlist"),
        ("http://169.254.169.254/", "metadata or link-local"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            validate_instance_url(url, pods)
