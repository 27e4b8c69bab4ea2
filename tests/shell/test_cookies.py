"""What a fragment may set on the storefront's origin: only its own cookies, rebuilt."""

import pytest

from shell.engine.cookies import scoped_set_cookies


def scoped(*values: str, secure: bool = False) -> list[str]:
    cookies = scoped_set_cookies(values, "cart", ("pref", "seen"), secure=secure)
    return [cookie.OutputString() for cookie in cookies]


def test_an_allowed_cookie_is_rebuilt_below_the_fragments_bff():
    sent = "pref=compact; Path=/; Domain=shop.example; Max-Age=60; HttpOnly; SameSite=lax"
    assert scoped(sent) == ["pref=compact; HttpOnly; Max-Age=60; Path=/bff/cart/; SameSite=Lax"]
    assert scoped("seen=1; Path=/;", secure=True) == ["seen=1; Path=/bff/cart/; Secure"]


@pytest.mark.parametrize(
    "value",
    [
        "pref=1; SameSite=Lax csrftoken=fixed; Max-Age=9 path=/ pref=2",  # two cookies in one
        "pref=1 csrftoken=fixed",
        "pref=a b",
        "pref=\x7f",
        "pref=caf\u00e9",
        "pref=1; Max-Age=soon",
        "pref=1; Expires=tomorrow",
        "pref=1; HttpOnly=yes",
        "pref=1; SameSite=Sometimes",
        "tessera_visitor=fixated",  # the shell's own, never
        "other=1",  # not configured
    ],
)
def test_anything_else_is_dropped_whole(value):
    assert scoped(value) == []


def test_the_shells_own_cookies_cannot_be_configured_in_any_case():
    values = ["CSRFtoken=x", "sessionid=y"]
    assert scoped_set_cookies(values, "cart", ("CSRFtoken", "sessionid")) == []
