"""The reports: sales per day and product (filled from the invoices issued so far); a
category for queries; indexes for invoices by the day they were issued, the unpaid ones,
the orders of a period, and customers by their first order and by when they went quiet.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:30:07
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWING = sa.text("state = 'issued' AND kind = 'invoice' "
                "AND gross_total - credited_total - paid_total > 0")
LIVE = sa.text("deleted_at IS NULL")
QUIET = sa.text("deleted_at IS NULL AND status = 'customer'")
CENT = Decimal("0.01")


def upgrade() -> None:
    sales_days = op.create_table(
        'sales_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('product_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column('net', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('day', 'currency', 'product_key', name=op.f('pk_sales_days')))
    _fill(sales_days)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_owing',
                              ['state', 'kind', 'customer_id', 'due_on', 'currency',
                               'gross_total', 'credited_total', 'paid_total'],
                              unique=False, sqlite_where=OWING, postgresql_where=OWING)
        batch_op.create_index('ix_invoices_state_issued',
                              ['state', 'issued_on', 'currency', 'customer_id', 'net_total'],
                              unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_ordered_totals',
                              ['ordered_at', 'state', 'currency', 'customer_id', 'net_total'],
                              unique=False)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_first_order', ['first_order_at', 'id'],
                              unique=False, sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_customers_quiet',
                              ['status', 'quiet_after_at', 'last_contact_at', 'deleted_at'],
                              unique=False, sqlite_where=QUIET, postgresql_where=QUIET)
    with op.batch_alter_table('queries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_queries_category_id_feedback_categories'),
                                    'feedback_categories', ['category_id'], ['id'],
                                    ondelete='RESTRICT')


def _fill(sales_days: sa.Table) -> None:
    """Each day's sales per product from the issued invoices, each line rounded to the cent
    half up as the invoices round it (crm_desktop.money, as it was at this revision)."""
    rows = op.get_bind().execute(sa.text(
        "SELECT i.issued_on, i.currency, ol.product_id, l.quantity, l.unit_price, "
        "l.discount_percent FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id "
        "LEFT JOIN order_lines ol ON ol.id = l.order_line_id WHERE i.state = 'issued'"))
    sums: dict[tuple[object, str, int], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal("0.00")])
    for issued_on, currency, product_id, *figures in rows:
        # (SQLite hands dates back as text here, and numbers as floats)
        day = date.fromisoformat(issued_on) if isinstance(issued_on, str) else issued_on
        quantity, price, discount = (Decimal(str(v)) for v in figures)
        net = (quantity * price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
        bucket = sums[(day, currency, product_id or 0)]
        bucket[0] += quantity
        bucket[1] += net
    if sums:
        op.bulk_insert(sales_days, [
            {"day": day, "currency": currency, "product_key": product, "quantity": q,
             "net": net} for (day, currency, product), (q, net) in sums.items()])


def downgrade() -> None:
    with op.batch_alter_table('queries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_queries_category_id_feedback_categories'),
                                 type_='foreignkey')
        batch_op.drop_column('category_id')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_quiet')
        batch_op.drop_index('ix_customers_first_order')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_ordered_totals')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_state_issued')
        batch_op.drop_index('ix_invoices_owing')
    op.drop_table('sales_days')
