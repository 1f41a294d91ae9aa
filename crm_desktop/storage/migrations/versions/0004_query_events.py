"""Query events (every change to a query, for the timeline) and the default feedback categories.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:09:52.039383
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUERY_STATUSES = ("new", "in_progress", "waiting_on_customer", "resolved", "closed")
DEFAULT_CATEGORIES = ("Delivery", "Billing", "Product quality", "Staff", "Waiting time",
                      "Price", "Other")


def upgrade() -> None:
    op.create_table(
        "query_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("logged", "status", "reopened", "reassigned", name="query_event_kind",
                    native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(*QUERY_STATUSES, name="query_status", native_enum=False,
                    create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_query_events_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["query_id"], ["queries.id"],
                                name=op.f("fk_query_events_query_id_queries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_query_events_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_events")),
    )
    with op.batch_alter_table("query_events", schema=None) as batch_op:
        batch_op.create_index("ix_query_events_customer_at", ["customer_id", "at"], unique=False)
        batch_op.create_index("ix_query_events_query", ["query_id", "at"], unique=False)

    # Queries logged before this version get their logging (and their current status, if it
    # moved on) as events, so the timeline still shows them.
    op.execute(
        "INSERT INTO query_events (query_id, customer_id, at, kind, status, detail, user_id) "
        "SELECT id, customer_id, created_at, 'logged', 'new', subject, created_by_id "
        "FROM queries"
    )
    op.execute(
        "INSERT INTO query_events (query_id, customer_id, at, kind, status, detail, user_id) "
        "SELECT id, customer_id, updated_at, 'status', status, COALESCE(resolution, ''), "
        "updated_by_id FROM queries WHERE status <> 'new'"
    )

    categories = sa.table(
        "feedback_categories",
        sa.column("name", sa.String), sa.column("active", sa.Boolean),
        sa.column("version", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    if not connection.scalar(sa.select(sa.func.count()).select_from(categories)):
        now = datetime.now(UTC)
        op.bulk_insert(categories, [
            {"name": name, "active": True, "version": 1, "created_at": now, "updated_at": now}
            for name in DEFAULT_CATEGORIES
        ])


def downgrade() -> None:
    with op.batch_alter_table("query_events", schema=None) as batch_op:
        batch_op.drop_index("ix_query_events_query")
        batch_op.drop_index("ix_query_events_customer_at")
    op.drop_table("query_events")
