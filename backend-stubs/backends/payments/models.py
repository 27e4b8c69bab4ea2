"""Cards (as tokens) and authorisations: the payment stub's own database.

A card number is kept only as long as it takes to make a token of it: what is stored is its
last four digits and how the stub will answer for it (test cards decline).
"""

from django.db import models


class Card(models.Model):
    token = models.CharField(max_length=40, unique=True)
    last4 = models.CharField(max_length=4)
    #: True for the test card that is always declined.
    declines = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class Authorisation(models.Model):
    """A hold on an amount of a card, under the caller's idempotency key."""

    AUTHORISED = "authorised"
    DECLINED = "declined"
    VOIDED = "voided"
    CAPTURED = "captured"
    STATUSES = [
        (AUTHORISED, "authorised"),
        (DECLINED, "declined"),
        (VOIDED, "voided"),
        (CAPTURED, "captured"),
    ]

    key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=STATUSES)
    card_token = models.CharField(max_length=40, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    amount_cents = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
