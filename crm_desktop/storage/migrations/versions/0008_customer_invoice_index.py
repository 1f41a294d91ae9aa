"""Index a customer's invoices by state and due date.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:09:04.192914

Every profile shows the customer's overdue invoices. Without this index SQLite answered that
through ``ix_invoices_state_due`` — every issued invoice of the shop due before today — which
took ~245 ms with 82,000 invoices; by customer first it is a few rows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_invoices_customer_state_due", "invoices",
                    ["customer_id", "state", "due_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invoices_customer_state_due", table_name="invoices")
