"""Invoice numbering, balances, issuer snapshots and the shop's images.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:23:18.198253

Issuing takes the next number of its year from ``invoice_sequences`` inside the issuing
transaction (gap-free). Invoices keep what was paid and credited, so lists can filter unpaid
and overdue ones in SQL, and a snapshot of the business profile they were issued under. The
logo and signature live in ``shop_images``, by content.

Invoices issued before this version could not be printed by the app, so they count as sent
(``printed_at`` = their last change): batch printing must not post years of old invoices.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As crm_desktop.services.admin.settings_service.LETTER_COUNTRIES when this was written.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE"})
UNPRINTED = sa.text("state = 'issued' AND printed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "invoice_sequences",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_sequences")),
    )
    op.create_table(
        "shop_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_images")),
        sa.UniqueConstraint("digest", name=op.f("uq_shop_images_digest")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paid_total", sa.Numeric(precision=14, scale=2),
                                      nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("credited_total", sa.Numeric(precision=14, scale=2),
                                      nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("credit_reason", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_invoices_credited", ["credited_invoice_id"], unique=False)
        batch_op.create_index("ix_invoices_unprinted", ["id"], unique=False,
                              sqlite_where=UNPRINTED, postgresql_where=UNPRINTED)

    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credited_line_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_invoice_lines_credited_line_id", ["credited_line_id"],
                              unique=False)
        batch_op.create_foreign_key("fk_invoice_lines_credited_line_id_invoice_lines",
                                    "invoice_lines", ["credited_line_id"], ["id"],
                                    ondelete="RESTRICT")

    op.execute("UPDATE invoices SET paid_total = COALESCE((SELECT SUM(p.amount) FROM payments p "
               "WHERE p.invoice_id = invoices.id), 0)")
    op.execute("UPDATE invoices SET credited_total = COALESCE((SELECT -SUM(c.gross_total) "
               "FROM invoices c WHERE c.credited_invoice_id = invoices.id "
               "AND c.state <> 'void'), 0)")
    op.execute("UPDATE invoices SET printed_at = updated_at "
               "WHERE state = 'issued' AND printed_at IS NULL")
    _letter_paper_where_usual()


def _letter_paper_where_usual() -> None:
    """A shop already set up in the US (or another Letter country) prints on Letter for #10
    envelopes; new settings default to A4 and DIN 5008 otherwise."""
    connection = op.get_bind()
    settings = sa.table("settings", sa.column("key"), sa.column("value"), sa.column("version"),
                        sa.column("created_at"), sa.column("updated_at"))
    country = connection.scalar(sa.select(settings.c.value).where(settings.c.key == "country"))
    if country is None or json.loads(country) not in LETTER_COUNTRIES:
        return
    now = datetime.now(UTC)
    connection.execute(settings.insert(), [
        {"key": key, "value": json.dumps(value), "version": 1, "created_at": now,
         "updated_at": now}
        for key, value in (("paper", "Letter"), ("envelope", "us10"))])


def downgrade() -> None:
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invoice_lines_credited_line_id_invoice_lines",
                                 type_="foreignkey")
        batch_op.drop_index("ix_invoice_lines_credited_line_id")
        batch_op.drop_column("credited_line_id")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_unprinted")
        batch_op.drop_index("ix_invoices_credited")
        for column in ("credit_reason", "credited_total", "paid_total", "payment_terms_days",
                       "issuer"):
            batch_op.drop_column(column)
    op.drop_table("shop_images")
    op.drop_table("invoice_sequences")
