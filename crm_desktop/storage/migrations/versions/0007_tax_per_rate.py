"""Tax per rate on the summed net of that rate.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:40:00.000000

Until now the tax of every line was rounded and the roundings summed, while the invoice printed
"Tax 19 % on 2.75 … 0.53" (19 % of 2.75 is 0.52). From now on the tax of each rate is computed
on the summed net of that rate. Orders and draft invoices are recomputed by the new rule, and so
is what each customer kept (their lifetime value). Issued invoices and credit notes are
immutable: they keep their figures and are marked ``tax_per_line``, so they print each line's
tax and still add up on paper.

The arithmetic is written out here, as it was when this was written, so that the upgrade does
not change when the app's money code does.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CENT = Decimal("0.01")
SOLD_STATES = ("shipped", "delivered", "closed")
Line = tuple[Decimal, Decimal, Decimal, Decimal]  # quantity, unit price, discount %, tax rate


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _totals(lines: Iterable[Line]) -> tuple[Decimal, Decimal]:
    """(net, tax) by the per-rate rule."""
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for quantity, price, discount, rate in lines:
        by_rate[Decimal(rate).normalize()] += _round(
            Decimal(quantity) * Decimal(price) * (100 - Decimal(discount)) / 100)
    net = sum(by_rate.values(), Decimal("0.00"))
    tax = sum((_round(n * r / 100) for r, n in by_rate.items()), Decimal("0.00"))
    return net, tax


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite rebuilding the table would trip the foreign keys onto it.
    op.add_column("invoices", sa.Column("tax_per_line", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.execute("UPDATE invoices SET tax_per_line = true WHERE state <> 'draft'")
    connection = op.get_bind()
    meta = sa.MetaData()
    orders = sa.Table("orders", meta, autoload_with=connection)
    order_lines = sa.Table("order_lines", meta, autoload_with=connection)
    invoices = sa.Table("invoices", meta, autoload_with=connection)
    invoice_lines = sa.Table("invoice_lines", meta, autoload_with=connection)
    customers = sa.Table("customers", meta, autoload_with=connection)

    def recompute(table: sa.Table, lines: sa.Table, key: str, where: sa.ColumnElement[bool]
                  ) -> None:
        grouped: dict[int, list[Line]] = defaultdict(list)
        for owner, *line in connection.execute(
                sa.select(lines.c[key], lines.c.quantity, lines.c.unit_price,
                          lines.c.discount_percent, lines.c.tax_rate)
                .join(table, table.c.id == lines.c[key]).where(where)):
            grouped[owner].append(tuple(line))
        updates = []
        for owner, owned in grouped.items():
            net, tax = _totals(owned)
            updates.append({"owner": owner, "net": net, "tax": tax, "gross": net + tax})
        if updates:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("owner"))
                .values(net_total=sa.bindparam("net"), tax_total=sa.bindparam("tax"),
                        gross_total=sa.bindparam("gross")), updates)

    recompute(orders, order_lines, "order_id", sa.true())
    recompute(invoices, invoice_lines, "invoice_id", invoices.c.state == "draft")

    kept: dict[int, list[Line]] = defaultdict(list)
    for customer_id, quantity, *rest in connection.execute(
            sa.select(orders.c.customer_id,
                      order_lines.c.delivered_quantity - order_lines.c.returned_quantity,
                      order_lines.c.unit_price, order_lines.c.discount_percent,
                      order_lines.c.tax_rate)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(orders.c.state.in_(SOLD_STATES))):
        if quantity > 0:
            kept[customer_id].append((quantity, *rest))
    values = [{"owner": customer_id, "value": sum(_totals(lines))}
              for customer_id, lines in kept.items()]
    if values:
        connection.execute(customers.update().where(customers.c.id == sa.bindparam("owner"))
                           .values(lifetime_value=sa.bindparam("value")), values)


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("tax_per_line")
