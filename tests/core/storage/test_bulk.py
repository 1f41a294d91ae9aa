"""storage/bulk.py: many rows at once must read back exactly as the ORM would have written
them, on both engines: defaults filled in, times stored in UTC, naive times refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from crm_desktop.models import Customer, CustomerStatus, HistoryEntry, HistoryKind
from crm_desktop.models.base import table_of
from crm_desktop.storage import bulk
from crm_desktop.storage.database import Database

BERLIN_SUMMER = timezone(timedelta(hours=2))


def test_left_out_columns_get_their_defaults_and_times_come_back_in_utc(
        any_db: Database) -> None:
    when = datetime(2026, 7, 1, 9, 30, 0, 250, tzinfo=BERLIN_SUMMER)
    rows = [{"company": f"Bulk {n}", "sort_name": f"bulk {n}", "created_at": when,
             "updated_at": when} for n in range(3)]
    with any_db.engine.begin() as conn:
        ids = bulk.insert(conn, table_of(Customer), rows, returning_ids=True)
        bulk.insert(conn, table_of(HistoryEntry), [
            {"customer_id": ids[0], "kind": HistoryKind.CALL, "occurred_at": when,
             "summary": "Asked about oak bowls", "created_at": when, "updated_at": when}])
    with any_db.read() as session:
        stored = session.scalars(select(Customer).where(Customer.id.in_(ids))
                                 .order_by(Customer.id)).all()
        assert [c.company for c in stored] == ["Bulk 0", "Bulk 1", "Bulk 2"]
        first = stored[0]
        assert (first.status, first.version, first.lifetime_value, first.first_name) == (
            CustomerStatus.PROSPECT, 1, Decimal("0.00"), "")
        assert first.created_at == when and first.created_at.tzinfo is UTC
        assert first.created_at.hour == 7 and first.created_at.microsecond == 250
        entry = session.scalars(select(HistoryEntry).where(
            HistoryEntry.customer_id == ids[0])).one()
        assert (entry.details, entry.outcome, entry.version) == ("", "", 1)
        # Found by the same comparison the app's own queries make.
        assert session.scalar(select(Customer.id).where(
            Customer.created_at == when, Customer.id == ids[1])) == ids[1]


def test_a_naive_time_is_refused(any_db: Database) -> None:
    naive = datetime(2026, 7, 1, 9, 30)  # no time zone: the point of the test
    # (On PostgreSQL SQLAlchemy wraps the type's ValueError in its StatementError.)
    with pytest.raises((ValueError, StatementError), match="naive datetime"), \
            any_db.engine.begin() as conn:
        bulk.insert(conn, table_of(Customer), [{"company": "N", "sort_name": "n",
                                                "created_at": naive, "updated_at": naive}])
