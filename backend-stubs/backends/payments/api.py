"""Payments API (a stub): card tokens, and authorisations that can be voided or captured.

- `POST /cards` makes a token of a card number (checked with the Luhn sum): the only call
  that sees the number; everything after it names the token. A card that cannot pay today
  (its month is over, or more than 20 years ahead: tessera/runtime/cards.py, the rule the
  checkout's BFF tells the shopper in words) is refused, 422 naming `expiry`: a backend
  checks everything again, whoever its caller.
- `POST /authorisations` holds an amount on a card under the caller's idempotency key: the
  same key again is answered with what was decided the first time (authorised, declined
  or voided), so a retry after a timeout never charges twice. The test card
  4000 0000 0000 0002 is declined (402, and the decline is kept for its key).
- `POST /voids/{key}` releases the hold (idempotent). Voiding a key that was never
  authorised leaves a voided tombstone, so an authorisation request that arrives after its
  own compensation (a retried call overtaken by the void) is refused with 409 instead of
  holding money nobody will release.
- `POST /captures/{key}` takes the money held (the checkout saga's step past its point of
  no return). Idempotent: capturing a captured key again answers the same, so the saga may
  retry it until it has an answer. 404 for a key never authorised, 409 for one declined or
  voided (nothing is held). A captured payment can no longer be voided (409): giving money
  back would be a refund, which this stub does not do.

Timeouts and failures come from the kit's fault injection (backends/kit/faults.py), per
path prefix, for captures as for authorisations: `{"/captures": {"hang": true}}` (a
timeout) or `{"/captures": {"error_rate": 1.0}}` (5xx). A decline is the card's, decided
when the amount is held: a held amount is never declined at capture, so the test card
that declines never reaches it (its capture is the 409 of a declined key).
"""

import secrets
from typing import Annotated

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictInt, field_validator

from backends.kit.params import CARD_TOKEN, Currency
from backends.payments.models import Authorisation, Card
from tessera.runtime.cards import EXPIRY, EXPIRY_RULE, MAX_CARD_YEARS, expiry_fault, today

router = Router(tags=["payments"])

KEY = r"^[A-Za-z0-9_-]{8,64}$"
KeyPath = Annotated[str, Path(pattern=KEY, description="the authorisation's idempotency key")]
#: The test card that is always declined.
DECLINED_CARD = "4000000000000002"
MAX_CENTS = 100_000_000


def luhn_valid(number: str) -> bool:
    """Whether `number`'s last digit is its Luhn check digit."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


class CardIn(Schema):
    number: str = Field(..., pattern=r"^[0-9]{12,19}$", description="digits only")
    expiry: str = Field(
        ...,
        pattern=EXPIRY,
        description=EXPIRY_RULE,
    )
    cvc: str = Field(..., pattern=r"^[0-9]{3,4}$")

    @field_validator("number")
    @classmethod
    def _checksum(cls, number: str) -> str:
        if not luhn_valid(number):
            raise ValueError("the card number is not valid")
        return number

    @field_validator("expiry")
    @classmethod
    def _can_pay_today(cls, expiry: str) -> str:
        """After the pattern: the month is not over, and not too far ahead (`today` is
        this module's, for tests to put another date in)."""
        fault = expiry_fault(expiry, today())
        if fault == "expired":
            raise ValueError("the card has expired")
        if fault == "too_far":
            raise ValueError(f"no card is valid for more than {MAX_CARD_YEARS} years")
        return expiry


class CardOut(Schema):
    token: str
    last4: str


@router.post("/cards", response=CardOut)
def tokenise(request: HttpRequest, card: CardIn):
    """A token standing for the card (the number is not kept)."""
    made = Card.objects.create(
        token=f"card_{secrets.token_hex(12)}",
        last4=card.number[-4:],
        declines=card.number == DECLINED_CARD,
    )
    return {"token": made.token, "last4": made.last4}


class AuthorisationIn(Schema):
    key: str = Field(..., pattern=KEY, description="the caller's idempotency key")
    card: str = Field(..., pattern=CARD_TOKEN, description="a token from POST /cards")
    amount_cents: StrictInt = Field(..., ge=1, le=MAX_CENTS)
    currency: Currency


class AuthorisationOut(Schema):
    key: str
    status: str = Field(description="authorised, declined, voided or captured")
    amount_cents: int
    currency: str
    last4: str


def _out(found: Authorisation) -> dict:
    return {
        "key": found.key,
        "status": found.status,
        "amount_cents": found.amount_cents,
        "currency": found.currency,
        "last4": found.last4,
    }


def _decided(found: Authorisation, asked: AuthorisationIn) -> dict:
    """What an authorisation request is answered, from what was decided for its key."""
    if found.status == Authorisation.VOIDED:
        raise HttpError(409, f"authorisation {found.key} was voided")
    if (found.card_token, found.amount_cents, found.currency) != (
        asked.card,
        asked.amount_cents,
        asked.currency,
    ):
        raise HttpError(409, f"authorisation {found.key} was made for another payment")
    if found.status == Authorisation.DECLINED:
        raise HttpError(402, "the card was declined")
    return _out(found)


@router.post("/authorisations", response=AuthorisationOut)
def authorise(request: HttpRequest, payload: AuthorisationIn):
    """Hold `amount_cents` on the card under `key`: 402 when declined, 409 when the key was
    voided or used for another payment; the same request again gets the same answer."""
    card = Card.objects.filter(token=payload.card).first()
    if card is None:
        raise HttpError(404, "there is no such card")
    status = Authorisation.DECLINED if card.declines else Authorisation.AUTHORISED
    try:
        with transaction.atomic():
            found, _ = Authorisation.objects.get_or_create(
                key=payload.key,
                defaults={
                    "status": status,
                    "card_token": card.token,
                    "last4": card.last4,
                    "amount_cents": payload.amount_cents,
                    "currency": payload.currency,
                },
            )
    except IntegrityError:  # the same key, concurrently: that one stands
        found = Authorisation.objects.get(key=payload.key)
    return _decided(found, payload)


@router.get("/authorisations/{key}", response=AuthorisationOut)
def authorisation(request: HttpRequest, key: KeyPath):
    return _out(get_object_or_404(Authorisation, key=key))


@router.post("/voids/{key}", response=AuthorisationOut)
def void(request: HttpRequest, key: KeyPath):
    """Release the hold under `key` (idempotent; nothing to release for a decline). 409 once
    captured."""
    with transaction.atomic():
        found, _ = Authorisation.objects.select_for_update().get_or_create(
            key=key, defaults={"status": Authorisation.VOIDED}
        )
        if found.status == Authorisation.CAPTURED:
            raise HttpError(409, f"authorisation {key} was captured")
        if found.status == Authorisation.AUTHORISED:
            found.status = Authorisation.VOIDED
            found.save(update_fields=["status", "updated_at"])
    return _out(found)


@router.post("/captures/{key}", response=AuthorisationOut)
def capture(request: HttpRequest, key: KeyPath):
    """Take the money held under `key` (idempotent: captured again is the same answer);
    404 for a key never authorised, 409 for one declined or voided. No refunds."""
    with transaction.atomic():
        found = get_object_or_404(Authorisation.objects.select_for_update(), key=key)
        if found.status == Authorisation.AUTHORISED:
            found.status = Authorisation.CAPTURED
            found.save(update_fields=["status", "updated_at"])
        elif found.status != Authorisation.CAPTURED:
            raise HttpError(409, f"authorisation {key} is {found.status}: nothing to capture")
    return _out(found)
