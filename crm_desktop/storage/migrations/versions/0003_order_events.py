"""Order events (every step, partial delivery and return, for the timeline) and stored
order totals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 02:39:00.755321
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

CENT = Decimal("0.01")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "placed",
                "confirmed",
                "shipped",
                "delivered",
                "returned",
                "closed",
                "cancelled",
                name="order_event_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_order_events_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_events_order_line_id_order_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_order_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_events_customer_at", ["customer_id", "at"], unique=False)
        batch_op.create_index("ix_order_events_order", ["order_id", "at"], unique=False)

    op.create_index("ix_orders_ordered", "orders", ["ordered_at", "id"])
    # Existing rows start at 0 and are computed below.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("net_total", sa.Numeric(precision=14, scale=2), nullable=False,
                      server_default="0")
        )
        batch_op.add_column(
            sa.Column("tax_total", sa.Numeric(precision=14, scale=2), nullable=False,
                      server_default="0")
        )
        batch_op.add_column(
            sa.Column("gross_total", sa.Numeric(precision=14, scale=2), nullable=False,
                      server_default="0")
        )

    # Orders placed before this revision get the steps their dates record.
    for column, kind in (
        ("ordered_at", "placed"),
        ("confirmed_at", "confirmed"),
        ("shipped_at", "shipped"),
        ("delivered_at", "delivered"),
        ("closed_at", "closed"),
        ("cancelled_at", "cancelled"),
    ):
        op.execute(
            "INSERT INTO order_events (order_id, customer_id, at, kind, detail) "
            f"SELECT id, customer_id, {column}, '{kind}', '' FROM orders "
            f"WHERE {column} IS NOT NULL"
        )
    # Totals of existing orders, by the same rule as crm_desktop.money (frozen here).
    bind = op.get_bind()
    lines = bind.execute(
        sa.text(
            "SELECT order_id, quantity, unit_price, discount_percent, tax_rate FROM order_lines"
        )
    ).all()
    sums: dict[int, list[Decimal]] = {}
    for order_id, quantity, unit_price, discount, rate in lines:
        net = (
            Decimal(str(quantity)) * Decimal(str(unit_price)) * (100 - Decimal(str(discount))) / 100
        ).quantize(CENT, ROUND_HALF_UP)
        tax = (net * Decimal(str(rate)) / 100).quantize(CENT, ROUND_HALF_UP)
        bucket = sums.setdefault(order_id, [Decimal("0.00"), Decimal("0.00")])
        bucket[0] += net
        bucket[1] += tax
    orders = sa.table(
        "orders",
        sa.column("id", sa.Integer()),
        *(sa.column(c, sa.Numeric(14, 2)) for c in ("net_total", "tax_total", "gross_total")),
    )
    for order_id, (net, tax) in sums.items():
        bind.execute(
            orders.update()
            .where(orders.c.id == order_id)
            .values(net_total=net, tax_total=tax, gross_total=net + tax)
        )


def downgrade() -> None:
    op.drop_index("ix_orders_ordered", table_name="orders")
    op.create_index("ix_orders_ordered", "orders", ["ordered_at", "id"])
    # Existing rows start at 0 and are computed below.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("gross_total")
        batch_op.drop_column("tax_total")
        batch_op.drop_column("net_total")

    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_order")
        batch_op.drop_index("ix_order_events_customer_at")

    op.drop_table("order_events")
