"""Money arithmetic, one rounding rule everywhere: screen, database and invoice.

The rule: each line's net (quantity × unit price, less its discount) is rounded to the cent,
half up. The lines' nets are summed per tax rate, and the tax of each rate is computed on that
summed net and rounded to the cent, half up. The total tax is the sum of the rates' taxes and
the gross is net plus tax, so every figure printed on an invoice follows from the ones above it:

    1 × 1.25 at 19 %  → net 1.25
    3 × 0.50 at 19 %  → net 1.50
    Tax 19 % on 2.75  → 0.5225 → 0.52   (rounding each line's tax: 0.24 + 0.29 = 0.53)
    Total             → 3.27

Invoices issued before this rule (before schema revision 0007) rounded the tax of every line and
summed it; they are immutable, keep those figures and print each line's tax so that they, too,
add up on paper (``per_line=True``). Never floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def round_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """One line's net, rounded to the cent."""
    return round_money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def tax_on(net: Decimal, tax_rate: Decimal) -> Decimal:
    return round_money(net * tax_rate / HUNDRED)


@dataclass(frozen=True)
class Totals:
    """An order's or invoice's totals: net, tax per rate, gross. All rounded to the cent."""

    net: Decimal
    tax_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (rate, net at rate, tax)
    tax: Decimal
    gross: Decimal


def totals(lines: Iterable[tuple[Decimal, Decimal, Decimal, Decimal]], *,
           per_line: bool = False) -> Totals:
    """Totals of (quantity, unit price, discount %, tax rate) lines, by the rule above.

    ``per_line`` is the rule of invoices issued before it: each line's tax rounded, then summed.
    """
    by_rate: dict[Decimal, list[Decimal]] = {}
    for quantity, unit_price, discount, rate in lines:
        net = line_net(quantity, unit_price, discount)
        bucket = by_rate.setdefault(rate.normalize(), [ZERO, ZERO])
        bucket[0] += net
        if per_line:
            bucket[1] += tax_on(net, rate)
    breakdown = tuple((rate, net, tax if per_line else tax_on(net, rate))
                      for rate, (net, tax) in sorted(by_rate.items()))
    net_total = sum((net for _rate, net, _tax in breakdown), ZERO)
    tax_total = sum((tax for _rate, _net, tax in breakdown), ZERO)
    return Totals(net_total, breakdown, tax_total, net_total + tax_total)


def currency_decimals(currency: str) -> int:
    """How many decimals the currency's prices have (USD 2, JPY 0), from Babel's data."""
    return int(get_currency_precision(currency))


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
