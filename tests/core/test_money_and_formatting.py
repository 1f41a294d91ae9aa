from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from crm_desktop.formatting import Formatter
from crm_desktop.money import line_totals, round_money
from crm_desktop.validation import digits_only, fold


@pytest.mark.parametrize(
    ("qty", "price", "discount", "rate", "net", "tax"),
    [
        ("3", "0.10", "0", "19", "0.30", "0.06"),   # 0.057 rounds up
        ("3", "0.10", "0", "7", "0.30", "0.02"),    # 0.021 rounds down
        ("1", "0.125", "0", "0", "0.13", "0.00"),   # half up, not banker's
        ("2.5", "3.99", "10", "19", "8.98", "1.71"),
    ],
)
def test_line_totals_round_half_up_per_line(qty: str, price: str, discount: str, rate: str,
                                            net: str, tax: str) -> None:
    assert line_totals(Decimal(qty), Decimal(price), Decimal(discount), Decimal(rate)) == (
        Decimal(net), Decimal(tax))


def test_round_money() -> None:
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("-2.675")) == Decimal("-2.68")


def test_formatter_uses_locale_currency_and_local_time() -> None:
    german = Formatter("de_DE", "EUR", zone=timezone(timedelta(hours=1)))
    assert german.money(Decimal("1234.5")) == "1.234,50\xa0€"
    assert german.date_time(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == "02.03.2026, 00:30"
    us = Formatter("en_US", "USD", zone=UTC)
    assert us.money(Decimal("0.3")) == "$0.30"
    now = datetime(2026, 3, 10, tzinfo=UTC)
    assert us.ago(now - timedelta(days=3), now) == "3 days ago"
    assert us.date(None) == ""


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Ñúñez", "nunez"), ("Łukasz Öst", "lukasz ost"), ("Straße", "strasse"),
     ("Ő", "o"), ("ZOË", "zoe")],
)
def test_fold_ignores_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_digits_only() -> None:
    assert digits_only("+1 (555) 013-4567") == "15550134567"
