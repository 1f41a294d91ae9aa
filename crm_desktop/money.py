"""Money arithmetic, one rounding rule everywhere: screen, database and invoice.

The rule: each line's net (quantity × unit price, less its discount) is rounded to the cent,
half up; tax is computed per line on that rounded net and rounded to the cent, half up; totals
are sums of the rounded line figures. Never floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_totals(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal,
                tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, tax) of one line, each rounded to the cent."""
    net = round_money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    tax = round_money(net * tax_rate / HUNDRED)
    return net, tax


@dataclass(frozen=True)
class Totals:
    """An order's or invoice's totals: net, tax per rate, gross. All rounded to the cent."""

    net: Decimal
    tax_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (rate, net at rate, tax)
    tax: Decimal
    gross: Decimal


def totals(lines: Iterable[tuple[Decimal, Decimal, Decimal, Decimal]]) -> Totals:
    """Totals of (quantity, unit price, discount %, tax rate) lines, by the rule above."""
    by_rate: dict[Decimal, list[Decimal]] = {}
    net_total = tax_total = Decimal("0.00")
    for quantity, unit_price, discount, rate in lines:
        net, tax = line_totals(quantity, unit_price, discount, rate)
        bucket = by_rate.setdefault(rate.normalize(), [Decimal("0.00"), Decimal("0.00")])
        bucket[0] += net
        bucket[1] += tax
        net_total += net
        tax_total += tax
    breakdown = tuple((rate, net, tax) for rate, (net, tax) in sorted(by_rate.items()))
    return Totals(net_total, breakdown, tax_total, net_total + tax_total)


def currency_decimals(currency: str) -> int:
    """How many decimals the currency's prices have (USD 2, JPY 0), from Babel's data."""
    return int(get_currency_precision(currency))


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
