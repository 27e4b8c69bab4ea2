"""Prices for people, in the page's language.

The shop's prices are in euros and cards are charged in euros. A Korean page shows them in
won, converted at one fixed display rate, `WON_PER_CENT` (€1 = ₩1,500): whole won, no
decimals, thousands separated (₩18,900). A whole number of won per cent keeps every
conversion exact, so converted lines add up to their converted total. Since the won figure
is a conversion, wherever money is taken (the checkout's review and its confirmation) the
amount charged is also shown as it is charged, in euros (`charged`).
"""

from __future__ import annotations

from django.utils.translation import get_language

#: Won shown for one euro cent on Korean pages: €1 = ₩1,500, for display only.
WON_PER_CENT = 15
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def charged(cents: int, currency: str = "EUR") -> str:
    """An amount as it is charged, whatever the language: `charged(123456)` is "€1,234.56"."""
    symbol = _SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{cents // 100:,}.{cents % 100:02d}"


def won_per_cent(currency: str = "EUR") -> int | None:
    """The won a page in the current language shows per cent of `currency`; None when it
    shows the amount as it is (any language but Korean, or a currency it does not convert)."""
    return WON_PER_CENT if currency == "EUR" and get_language() == "ko" else None


def money(cents: int, currency: str = "EUR") -> str:
    """A price for the current language: "€18.90" in English, "₩28,350" in Korean."""
    rate = won_per_cent(currency)
    return charged(cents, currency) if rate is None else f"₩{cents * rate:,}"
