"""Keeping nothing longer than needed: customers the shop has not heard from or sold to for
the retention period (a setting, six years by default) are listed for the owner to review.
For each, erase their personal data (``PersonalDataService.erase_many``) or keep them; a
customer kept is asked about again only after another full period without activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from crm_desktop.actor import Actor
from crm_desktop.models import Customer, Invoice
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.lifecycle import last_activity
from crm_desktop.storage.database import Database

MAX_LISTED = 2000  # a review is worked through in batches; the count says how many in all


@dataclass(frozen=True)
class RetentionRow:
    id: int
    display_name: str
    last_activity_at: datetime
    invoices: int  # kept whatever is chosen
    kept_at: datetime | None  # kept at an earlier review


@dataclass(frozen=True)
class RetentionReview:
    years: int
    cutoff: datetime
    total: int
    rows: list[RetentionRow]


class RetentionService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def _cutoff(self) -> tuple[int, datetime]:
        years = self._settings.business().retention_years
        return years, self._db.clock() - timedelta(days=round(365.25 * years))

    def review(self, actor: Actor) -> RetentionReview:
        """The live, not yet erased customers inactive for the whole period (and not kept
        within it), longest quiet first."""
        years, cutoff = self._cutoff()
        activity = last_activity()
        due = (Customer.deleted_at.is_(None), Customer.erased_at.is_(None), activity < cutoff,
               or_(Customer.retention_kept_at.is_(None), Customer.retention_kept_at < cutoff))
        with self._db.read(actor, Permission.HANDLE_PERSONAL_DATA) as session:
            total = int(session.scalar(select(func.count()).select_from(Customer).where(*due))
                        or 0)
            invoices = (select(func.count()).select_from(Invoice)
                        .where(Invoice.customer_id == Customer.id).scalar_subquery())
            rows = session.execute(
                select(Customer, activity, invoices).where(*due)
                .order_by(activity, Customer.id).limit(MAX_LISTED)).all()
        return RetentionReview(years, cutoff, total, [
            RetentionRow(c.id, c.display_name, when, int(count or 0), c.retention_kept_at)
            for c, when, count in rows])

    def keep(self, customer_ids: Sequence[int], actor: Actor) -> int:
        """Keep these customers: they leave the review until another period has passed."""
        wanted = sorted({i for i in customer_ids if 1 <= i < 2**31})
        kept = 0
        with self._db.transaction(actor, Permission.HANDLE_PERSONAL_DATA) as session:
            for start in range(0, len(wanted), 500):
                # Through the ORM, so each one is versioned and in the audit trail.
                for customer in session.scalars(select(Customer).where(
                        Customer.id.in_(wanted[start:start + 500]),
                        Customer.deleted_at.is_(None))):
                    customer.retention_kept_at = self._db.clock()
                    kept += 1
        return kept
