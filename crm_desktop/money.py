"""Money arithmetic, one rounding rule everywhere: screen, database and invoice.

The rule: each line's net (quantity × unit price, less its discount) is rounded to the cent,
half up; tax is computed per line on that rounded net and rounded to the cent, half up; totals
are sums of the rounded line figures. Never floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
