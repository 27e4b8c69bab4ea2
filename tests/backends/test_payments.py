"""The payments stub: card tokens, and authorisations that are idempotent under their key,
decline for the test card, and can be voided (even before they arrive) or captured."""

from datetime import date

import pytest
from backends.payments import api
from backends.payments.api import DECLINED_CARD, luhn_valid, router
from backends.payments.models import Authorisation, Card
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

KEY = "saga-000000000001"
GOOD_CARD = "4242424242424242"
#: An expiry some years ahead of today: the card can pay whenever the tests run.
EXPIRY = f"12/{(date.today().year + 4) % 100:02d}"


@pytest.fixture
def client() -> TestClient:
    return TestClient(router)


def token(client, number=GOOD_CARD) -> str:
    made = client.post("/cards", json={"number": number, "expiry": EXPIRY, "cvc": "123"})
    assert made.status_code == 200, made.json()
    return made.json()["token"]


def authorise(client, card: str, key=KEY, amount=4998):
    body = {"key": key, "card": card, "amount_cents": amount, "currency": "EUR"}
    return client.post("/authorisations", json=body)


def test_luhn():
    assert luhn_valid(GOOD_CARD) and luhn_valid(DECLINED_CARD)
    assert not luhn_valid("4242424242424241")


def test_a_card_becomes_a_token_and_its_number_is_not_kept(client):
    made = client.post("/cards", json={"number": GOOD_CARD, "expiry": EXPIRY, "cvc": "123"})
    assert made.json()["last4"] == "4242" and made.json()["token"].startswith("card_")
    assert Card.objects.get().last4 == "4242"
    assert GOOD_CARD not in str(list(Card.objects.values()))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "4242424242424241"}, "number"),
        ({"number": "4242 4242 4242 4242"}, "number"),
        ({"expiry": "13/30"}, "expiry"),
        ({"expiry": "1/30"}, "expiry"),
        ({"cvc": "12"}, "cvc"),
    ],
)
def test_a_bad_card_is_refused_naming_the_field(client, change, field):
    body = {"number": GOOD_CARD, "expiry": EXPIRY, "cvc": "123"} | change
    refused = client.post("/cards", json=body)
    assert refused.status_code == 422 and field in str(refused.json()["detail"])


@pytest.mark.parametrize(
    ("expiry", "said"),
    [
        ("11/26", "the card has expired"),  # last month
        ("01/20", "the card has expired"),
        ("12/99", "the card has expired"),  # 1999: read in the century around today
        ("01/47", "no card is valid for more than 20 years"),
    ],
)
def test_a_card_that_cannot_pay_today_is_refused_naming_the_expiry(
    client, monkeypatch, expiry, said
):
    """Whoever calls (not only the checkout's BFF, which checks it first): the same rule."""
    monkeypatch.setattr(api, "today", lambda: date(2026, 12, 1))
    body = {"number": GOOD_CARD, "expiry": expiry, "cvc": "123"}
    refused = client.post("/cards", json=body)
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"][-1] == "expiry" and said in problem["msg"]
    assert not Card.objects.exists()


@pytest.mark.parametrize("expiry", ["12/26", "01/27", "12/46"])  # this month, 20 years ahead
def test_a_card_good_this_month_or_up_to_twenty_years_ahead_is_taken(client, monkeypatch, expiry):
    monkeypatch.setattr(api, "today", lambda: date(2026, 12, 1))
    body = {"number": GOOD_CARD, "expiry": expiry, "cvc": "123"}
    assert client.post("/cards", json=body).status_code == 200


def test_the_expiry_follows_the_clock(client, monkeypatch):
    body = {"number": GOOD_CARD, "expiry": "12/30", "cvc": "123"}
    monkeypatch.setattr(api, "today", lambda: date(2031, 1, 1))
    assert client.post("/cards", json=body).status_code == 422
    monkeypatch.setattr(api, "today", lambda: date(2030, 12, 31))
    assert client.post("/cards", json=body).status_code == 200


def test_an_authorisation_is_made_once_under_its_key(client):
    card = token(client)
    first = authorise(client, card)
    assert first.status_code == 200
    assert first.json() == {
        "key": KEY,
        "status": "authorised",
        "amount_cents": 4998,
        "currency": "EUR",
        "last4": "4242",
    }
    assert authorise(client, card).json() == first.json()  # a retry after a timeout
    assert Authorisation.objects.count() == 1
    other = authorise(client, card, amount=1)
    assert other.status_code == 409 and "another payment" in other.json()["detail"]


def test_the_test_card_is_declined_and_stays_declined(client):
    card = token(client, DECLINED_CARD)
    for _ in range(2):
        declined = authorise(client, card)
        assert declined.status_code == 402
        assert declined.json()["detail"] == "the card was declined"
    assert Authorisation.objects.get().status == "declined"
    assert client.post(f"/voids/{KEY}").json()["status"] == "declined"  # nothing held


def test_a_void_releases_the_hold_and_is_idempotent(client):
    authorise(client, token(client))
    for _ in range(2):
        voided = client.post(f"/voids/{KEY}")
        assert voided.status_code == 200 and voided.json()["status"] == "voided"
    assert authorise(client, token(client)).status_code == 409


def test_an_authorisation_overtaken_by_its_void_is_refused(client):
    assert client.post(f"/voids/{KEY}").json()["status"] == "voided"
    late = authorise(client, token(client))
    assert late.status_code == 409 and "voided" in late.json()["detail"]
    assert Authorisation.objects.get().amount_cents == 0


def test_capture_takes_an_authorised_amount_once(client):
    authorise(client, token(client))
    for _ in range(2):  # a retried capture: the same answer, taken once
        captured = client.post(f"/captures/{KEY}")
        assert captured.status_code == 200 and captured.json()["status"] == "captured"
    assert Authorisation.objects.get().status == "captured"
    # A captured payment cannot be voided (giving it back would be a refund: not here).
    refused = client.post(f"/voids/{KEY}")
    assert refused.status_code == 409 and "captured" in refused.json()["detail"]
    assert Authorisation.objects.get().status == "captured"
    # The authorisation asked again (a saga's retry) is answered as it stands.
    assert authorise(client, Authorisation.objects.get().card_token).json()["status"] == (
        "captured"
    )
    unknown = client.post("/captures/saga-unknown-0001")
    assert (
        unknown.status_code == 404
        and not Authorisation.objects.filter(key="saga-unknown-0001").exists()
    )


@pytest.mark.parametrize("status", ["declined", "voided"])
def test_nothing_held_is_nothing_to_capture(client, status):
    if status == "declined":
        authorise(client, token(client, DECLINED_CARD))
    else:
        authorise(client, token(client))
        client.post(f"/voids/{KEY}")
    refused = client.post(f"/captures/{KEY}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"authorisation {KEY} is {status}: nothing to capture"
    assert Authorisation.objects.get().status == status


def test_a_malformed_capture_key_is_a_422(client):
    refused = client.post("/captures/short")
    assert refused.status_code == 422 and "key" in str(refused.json()["detail"])


def test_an_unknown_card_is_a_404(client):
    assert authorise(client, "card_" + "0" * 24).status_code == 404
    assert not Authorisation.objects.exists()


@pytest.mark.parametrize("currency", ["ZZZ", "USD", "KRW", "eur", "EURO"])
def test_only_the_shops_currency_is_authorised(client, currency):
    """Prices are in euros (the pricing backend's, README "Languages"): any other currency,
    three capital letters or not, is a 422 in words naming the field, and holds nothing."""
    body = {"key": KEY, "card": token(client), "amount_cents": 4998, "currency": currency}
    refused = client.post("/authorisations", json=body)
    assert refused.status_code == 422
    ((problem,),) = [refused.json()["detail"]]
    assert problem["loc"][-1] == "currency"
    assert problem["msg"] == f"the shop prices and charges in EUR only, not {currency!r}"
    assert not Authorisation.objects.exists()
    assert authorise(client, token(client)).status_code == 200  # EUR is
