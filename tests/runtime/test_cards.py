"""A card's expiry: the one rule the checkout's BFF and the payments backend hold it to."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tessera.runtime.cards import EXPIRY, MAX_CARD_YEARS, expiry_fault, today, well_formed

ON = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("expiry", "fault"),
    [
        ("12/26", None),  # this month: good to its end
        ("01/27", None),
        ("12/46", None),  # twenty years ahead
        ("11/26", "expired"),  # last month
        ("01/20", "expired"),
        ("12/99", "expired"),  # 1999: YY is read in the century around today
        ("01/47", "too_far"),
        ("12/60", "too_far"),
    ],
)
def test_a_card_pays_from_this_month_to_twenty_years_ahead(expiry, fault):
    assert expiry_fault(expiry, ON) == fault


def test_the_two_digit_year_is_read_around_the_date():
    assert expiry_fault("01/05", date(2095, 6, 1)) is None  # 2105
    assert expiry_fault("12/30", date(2031, 1, 1)) == "expired"
    assert MAX_CARD_YEARS == 20


@pytest.mark.parametrize("expiry", ["13/26", "00/27", "1/27", "12/٢٧", "12/30\n", " 12/30", ""])
def test_only_mm_yy_in_ascii_digits_is_well_formed(expiry):
    assert not well_formed(expiry)
    assert re.fullmatch(EXPIRY.strip("^$"), expiry) is None  # the pattern says the same
    with pytest.raises(ValueError, match="MM/YY"):
        expiry_fault(expiry, ON)


def test_today_is_the_date_where_it_is_earliest():
    before = (datetime.now(UTC) - timedelta(hours=12)).date()
    assert before <= today() <= (datetime.now(UTC) - timedelta(hours=12)).date()
