"""Follow-up series and suggestions; each customer's usual rhythm of contact.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 08:40:29.546531

Recurring follow-ups get the rule's start and the slot each occurrence stands for (so one
occurrence can be snoozed without moving the series), suggestions a unique key (so a
dismissed one is never proposed again), and customers the running mean of the gaps between
their contacts, from which "gone quiet" is decided with an index.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIN_GAPS = 2  # as crm_desktop.services.customers.lifecycle.MIN_GAPS when this was written


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gap_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("usual_gap_days", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("quiet_after_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index("ix_customers_quiet_after", ["quiet_after_at", "id"],
                              unique=False, sqlite_where=sa.text("deleted_at IS NULL"),
                              postgresql_where=sa.text("deleted_at IS NULL"))

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_start_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("occurrence_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("suggestion_key", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_follow_ups_series", ["series_id"], unique=False)
        batch_op.create_index("ix_follow_ups_suggestion_key", ["suggestion_key"], unique=True)

    # Recurring follow-ups made before this version start their series where they are due.
    op.execute("UPDATE follow_ups SET series_id = COALESCE(series_id, id), "
               "series_start_at = due_at, occurrence_at = due_at WHERE rrule IS NOT NULL")
    _backfill_rhythm()


def _backfill_rhythm() -> None:
    """Each customer's usual gap, from their first and last contact or order and how many
    there were (the app keeps a running mean from here on)."""
    connection = op.get_bind()
    contacts = sa.union_all(
        sa.select(sa.column("customer_id"), sa.column("occurred_at").label("at"))
        .select_from(sa.table("history_entries")),
        sa.select(sa.column("customer_id"), sa.column("ordered_at").label("at"))
        .select_from(sa.table("orders")),
    ).subquery()
    customers = sa.table("customers", sa.column("id"), sa.column("last_contact_at"))
    rows = connection.execute(
        sa.select(contacts.c.customer_id, sa.func.count(), sa.func.min(contacts.c.at),
                  sa.func.max(contacts.c.at), sa.func.max(customers.c.last_contact_at))
        .join(customers, customers.c.id == contacts.c.customer_id)
        .group_by(contacts.c.customer_id).having(sa.func.count() > MIN_GAPS)
    ).all()
    updates = []
    for customer_id, count, first_at, last_at, last_contact_at in rows:
        first, last = _aware(first_at), _aware(last_at)
        gaps = count - 1
        usual = (last - first).total_seconds() / 86400 / gaps
        if usual < 1:
            continue
        # Quiet is measured from the last contact, as the app does from now on.
        latest = max(last, _aware(last_contact_at)) if last_contact_at else last
        updates.append({"cid": customer_id, "gaps": gaps, "usual": usual,
                        "quiet": _stored(latest + timedelta(days=usual), connection)})
    if updates:
        connection.execute(
            sa.text("UPDATE customers SET gap_count = :gaps, usual_gap_days = :usual, "
                    "quiet_after_at = :quiet WHERE id = :cid"), updates)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite hands aggregates back as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _stored(value: datetime, connection: sa.Connection) -> datetime:
    return value.replace(tzinfo=None) if connection.dialect.name == "sqlite" else value


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_suggestion_key")
        batch_op.drop_index("ix_follow_ups_series")
        batch_op.drop_column("suggestion_key")
        batch_op.drop_column("occurrence_at")
        batch_op.drop_column("series_start_at")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_quiet_after",
                            sqlite_where=sa.text("deleted_at IS NULL"),
                            postgresql_where=sa.text("deleted_at IS NULL"))
        batch_op.drop_column("quiet_after_at")
        batch_op.drop_column("usual_gap_days")
        batch_op.drop_column("gap_count")
