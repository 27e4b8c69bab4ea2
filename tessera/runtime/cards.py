"""A payment card's expiry date: the rule the checkout's BFF and the payments backend both
hold a card to, spelled once (the BFF says it to the shopper in their language; payments,
which checks everything again, refuses the card itself).

An expiry is `MM/YY` in ASCII digits. A card is good to the end of its month, wherever the
shopper is: "today" is the date where it is earliest (UTC-12), so no card whose month has
not ended somewhere yet is refused. A card is also refused when its month is more than
`MAX_CARD_YEARS` ahead: no card is issued for that long, and such a date is a typing slip.
The two-digit year is read in the century around today (in 2095, "05" is 2105).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Literal

#: An expiry's form, for pydantic (`Field(pattern=EXPIRY)`) and the OpenAPI document.
EXPIRY = r"^(0[1-9]|1[0-2])/[0-9]{2}$"
#: The same for Python's re, without anchors: `fullmatch` (Python's `$` would let a final
#: newline through).
_EXPIRY = re.compile(r"(?P<month>0[1-9]|1[0-2])/(?P<year>[0-9]{2})")
#: The furthest ahead a card's expiry may be: no card is issued for longer.
MAX_CARD_YEARS = 20
#: The rule, as the OpenAPI documents of the checkout's BFF and of payments state it.
EXPIRY_RULE = f"MM/YY: this month or later, at most {MAX_CARD_YEARS} years ahead"

#: Why a well-formed expiry cannot pay: its month is over, or too far ahead.
ExpiryFault = Literal["expired", "too_far"]


def today() -> date:
    """The date an expiry is checked against: today where it is earliest (UTC-12)."""
    return (datetime.now(UTC) - timedelta(hours=12)).date()


def well_formed(expiry: str) -> bool:
    """Whether `expiry` is MM/YY (a month 01 to 12, ASCII digits)."""
    return _EXPIRY.fullmatch(expiry) is not None


def expiry_fault(expiry: str, on: date) -> ExpiryFault | None:
    """Why a card with `expiry` cannot pay on `on`; None when it can. ValueError for an
    expiry that is not MM/YY (callers check the form first: `EXPIRY`, `well_formed`)."""
    found = _EXPIRY.fullmatch(expiry)
    if found is None:
        raise ValueError(f"not an MM/YY expiry: {expiry!r}")
    year = on.year // 100 * 100 + int(found["year"])
    if year < on.year - 50:
        year += 100
    elif year > on.year + 50:
        year -= 100
    month = year * 12 + int(found["month"]) - 1
    now = on.year * 12 + on.month - 1
    if month < now:
        return "expired"
    if month > now + 12 * MAX_CARD_YEARS:
        return "too_far"
    return None
