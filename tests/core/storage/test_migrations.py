"""Schema upgrades: from nothing, and from every saved historical database holding data."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from crm_desktop.errors import NewerDatabaseError
from crm_desktop.models import (
    Base,
    Customer,
    CustomerQuery,
    FeedbackCategory,
    HistoryEntry,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    QueryEvent,
    QueryEventKind,
    SalesDay,
)
from crm_desktop.money import totals
from crm_desktop.paths import AppPaths
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import CustomerService
from crm_desktop.storage.backup import verify
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    include_object,
    upgrade,
)
from tests.conftest import FakeClock

FIXTURES_DIR = Path(__file__).parents[2] / "fixtures" / "databases"
FIXTURES = sorted(FIXTURES_DIR.glob("crm-*.sqlite3"))


def test_migrations_build_exactly_the_models(any_db: Database) -> None:
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(connection,
                                             opts={"include_object": include_object})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert current_revision(any_db) == head_revision()


def test_there_is_a_saved_database_for_every_revision() -> None:
    """Run scripts/make_fixture_database.py after adding a migration."""
    revisions = {r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    assert {p.stem.removeprefix("crm-") for p in FIXTURES} == revisions


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_upgrading_a_database_holding_data_keeps_it(fixture: Path, app_home: AppPaths,
                                                    clock: FakeClock) -> None:
    shutil.copy(fixture, app_home.database_file)
    database = Database(app_home.default_database_url(), clock=clock)
    with database.read() as session:
        before = {model.__name__: session.scalar(select(func.count()).select_from(model))
                  for model in (Customer, HistoryEntry, Invoice)}
    assert before["Customer"] == 25

    backup = upgrade(database, app_home.backup_dir)

    assert current_revision(database) == head_revision()
    with database.read() as session:
        after = {model.__name__: session.scalar(select(func.count()).select_from(model))
                 for model in (Customer, HistoryEntry, Invoice)}
        first_id = session.scalar(select(func.min(Customer.id)))
    assert after == before
    assert first_id is not None
    with database.read() as session:
        # Orders from before 0003 have their steps as events and their totals filled in.
        orders = session.scalars(select(Order)).all()
        assert orders and all(o.gross_total == o.net_total + o.tax_total > 0 for o in orders)
        assert session.scalar(select(func.count()).select_from(OrderEvent)) >= len(orders)
        # Queries from before 0004 are on the timeline through their "logged" event, and the
        # owner has complaint categories to start from.
        queries = session.scalars(select(CustomerQuery)).all()
        logged = session.scalars(select(QueryEvent.query_id)
                                 .where(QueryEvent.kind == QueryEventKind.LOGGED)).all()
        assert queries and sorted(logged) == sorted(q.id for q in queries)
        assert session.scalar(select(func.count()).select_from(FeedbackCategory)) >= 5
        # Since 0005 customers with a few contacts have a usual rhythm, and "gone quiet"
        # follows from it.
        rhythms = session.execute(select(Customer.usual_gap_days, Customer.quiet_after_at,
                                         Customer.last_contact_at)
                                  .where(Customer.usual_gap_days.is_not(None))).all()
        assert rhythms and all(gap >= 1 and quiet is not None for gap, quiet, _ in rhythms)
        assert all(quiet > last for _, quiet, last in rhythms if last is not None)
        # Since 0006 invoices know what was paid on them, and the old ones count as sent, so
        # batch printing does not post them again.
        paid = dict(session.execute(select(Payment.invoice_id, func.sum(Payment.amount))
                                    .group_by(Payment.invoice_id)).all())
        invoices = session.scalars(select(Invoice)).all()
        assert paid and all(i.paid_total == paid.get(i.id, 0) for i in invoices)
        assert all(i.printed_at is not None for i in invoices if i.state == InvoiceState.ISSUED)
        # Since 0007 tax is computed per rate on the summed net: orders and drafts follow the
        # rule; invoices issued before keep their per-line figures and say so.
        for order in orders:
            assert (order.net_total, order.tax_total, order.gross_total) == _figures(
                order.lines, per_line=False)
        for invoice in invoices:
            old = fixture.stem < "crm-0007" and invoice.state != InvoiceState.DRAFT
            assert invoice.tax_per_line == old
            assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == _figures(
                invoice.lines, per_line=old)
        # Since 0012 the sales of each day are kept per product, filled from the invoices
        # issued before: they add up to the invoices' own totals.
        issued = sum((i.net_total for i in invoices if i.state == InvoiceState.ISSUED),
                     Decimal("0.00"))
        assert session.scalar(select(func.sum(SalesDay.net))) == issued > 0
        if fixture.stem < "crm-0012":  # (queries had no category before)
            assert all(q.category_id is None for q in queries)
    customer = CustomerService(database).get(first_id)
    # Whatever the upgrade added works on the old data: the search finds the customer.
    found = CustomerListService(database).page(CustomerFilter(text=customer.last_name))
    assert customer.id in [row.id for row in found]
    # A copy was taken before touching the file (if there was anything to upgrade), and it
    # holds the same data.
    if fixture.stem == f"crm-{head_revision()}":
        assert backup is None
    else:
        assert backup is not None
        held = verify(backup)
        assert held.customers == 25 and held.schema == fixture.stem.removeprefix("crm-")
    database.dispose()


def _figures(lines: list[OrderLine] | list[InvoiceLine], *, per_line: bool
             ) -> tuple[Decimal, Decimal, Decimal]:
    result = totals(((li.quantity, li.unit_price, li.discount_percent, li.tax_rate)
                     for li in lines), per_line=per_line)
    return result.net, result.tax, result.gross


def test_a_database_from_a_newer_version_is_refused_untouched(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(NewerDatabaseError, match="newer version of CRM Desktop"):
        upgrade(db)
    assert current_revision(db) == "9999_future"


def test_a_failed_backup_is_a_clear_message_and_changes_nothing(app_home: AppPaths,
                                                                clock: FakeClock) -> None:
    from crm_desktop.errors import StorageError

    shutil.copy(FIXTURES[-2], app_home.database_file)
    database = Database(app_home.default_database_url(), clock=clock)
    blocked = app_home.data_dir / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    with pytest.raises(StorageError, match="could not be backed up"):
        upgrade(database, blocked)
    assert current_revision(database) == FIXTURES[-2].stem.removeprefix("crm-")
    database.dispose()


def test_the_revisions_read_from_file_names_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from crm_desktop.storage.schema import MIGRATIONS_DIR, known_revisions

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    walked = [s.revision for s in scripts.walk_revisions()]
    assert known_revisions() == sorted(walked)
    assert head_revision() == scripts.get_current_head()


def test_the_sign_in_upgrade_keeps_people_and_files_old_entries_by_customer(
        app_home: AppPaths, clock: FakeClock) -> None:
    """0010 on a shop of the previous version: its people stay (without passwords, which the
    owner then chooses), the new role fits, and earlier audit entries find their customer."""
    from crm_desktop.models import AuditEntry, Role, User
    from crm_desktop.services.admin.audit_service import AuditService
    from crm_desktop.services.admin.user_service import UserService

    shutil.copy(FIXTURES_DIR / "crm-0009.sqlite3", app_home.database_file)
    with closing(sqlite3.connect(app_home.database_file)) as raw, raw:
        raw.executemany(
            "INSERT INTO audit_entries (at, user_id, action, entity, entity_id, changes) "
            "VALUES ('2026-03-01 10:00:00.000000', 2, 'update', ?, ?, ?)",
            [("customers", 1, '{"first_name": ["Margo", "Margot"]}'),
             ("contact_points", 1, '{"value": ["0123", "0456"]}')])
    database = Database(app_home.default_database_url(), clock=clock)
    try:
        upgrade(database, app_home.backup_dir)
        with database.read() as session:
            filed = {(e.entity, e.entity_id): e.customer_id for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity.in_(["customers",
                                                                "contact_points"])))}
            people = {u.username: (u.role, u.password_hash, u.must_change_password)
                      for u in session.scalars(select(User))}
        assert filed[("customers", 1)] == 1 and filed[("contact_points", 1)] == 1
        assert people == {"sam.owner": (Role.OWNER, None, False),
                          "rita.reception": (Role.RECEPTIONIST, None, False)}
        users = UserService(database)
        sam = users.set_first_password(1, "sam chooses a password")
        owner = users.sign_in("sam.owner", "sam chooses a password").as_actor()
        assert sam.id == owner.user_id
        changes = AuditService(database).customer_changes(1, owner)
        assert [(c.who, c.what, c.old, c.new) for c in changes][:2] == [
            ("Rita Reception", "Contact (phone)", "0123", "0456"),
            ("Rita Reception", "Customer", "Margo", "Margot")]
        viewer = users.add("Vera Books", Role.VIEWER, owner, first_password="books balanced")
        assert viewer.role is Role.VIEWER
    finally:
        database.dispose()


def test_the_consent_upgrade_knows_who_was_erased_and_lets_restores_be_recorded(
        app_home: AppPaths, clock: FakeClock) -> None:
    """0011 on a shop of the previous version: a customer erased before it is known as
    erased (so no review lists them again), nobody has answered about marketing yet, and the
    trail takes restore entries."""
    from crm_desktop.models import AuditAction, AuditEntry, MarketingConsent
    from crm_desktop.storage.audit import record_event

    shutil.copy(FIXTURES_DIR / "crm-0010.sqlite3", app_home.database_file)
    with closing(sqlite3.connect(app_home.database_file)) as raw, raw:
        raw.execute("UPDATE customers SET first_name = '', last_name = '', "
                    "company = 'Erased customer C-000002' WHERE id = 2")
    database = Database(app_home.default_database_url(), clock=clock)
    try:
        upgrade(database, app_home.backup_dir)
        with database.read() as session:
            erased = dict(session.execute(select(Customer.id, Customer.erased_at)).all())
            assert session.scalar(select(func.count()).select_from(MarketingConsent)) == 0
        assert erased[2] is not None
        assert [i for i, when in erased.items() if when is not None] == [2]
        with database.engine.begin() as connection:
            from sqlalchemy.orm import Session
            with Session(connection) as session:
                record_event(session, AuditAction.RESTORE, None, clock(), entity="shop")
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == AuditAction.RESTORE)) == 1
    finally:
        database.dispose()
