from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import ConflictError, StorageError
from crm_desktop.models import AuditAction, AuditEntry, Customer, Tag
from crm_desktop.paths import AppPaths
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database, OwnWrites
from crm_desktop.storage.schema import upgrade
from tests.conftest import FakeClock


def test_sqlite_runs_with_wal_full_sync_foreign_keys_and_busy_timeout(db: Database) -> None:
    with db.engine.connect() as connection:
        pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 10_000}


def test_every_write_stamps_and_audits_in_the_same_transaction(db: Database, owner: Actor,
                                                               clock: FakeClock) -> None:
    with db.transaction(owner, None) as session:
        session.add(Tag(name="VIP", name_key="vip"))
    clock.advance(minutes=5)
    with db.transaction(owner, None) as session:
        tag = session.scalars(select(Tag)).one()
        tag.name = "V.I.P."
    with db.read() as session:
        tag = session.scalars(select(Tag)).one()
        assert tag.version == 2
        assert tag.created_by_id == tag.updated_by_id == owner.user_id
        assert tag.updated_at - tag.created_at == (clock.now - tag.created_at)
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "tags").order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity_id, e.user_id) for e in entries] == [
        (AuditAction.CREATE, tag.id, owner.user_id), (AuditAction.UPDATE, tag.id, owner.user_id)]
    assert json.loads(entries[1].changes) == {"name": ["VIP", "V.I.P."]}


def test_a_failed_action_leaves_neither_rows_nor_audit(db: Database, owner: Actor) -> None:
    with db.read() as session:
        before = len(session.scalars(select(AuditEntry)).all())
    with pytest.raises(RuntimeError, match="boom"), db.transaction(owner, None) as session:
        session.add(Tag(name="Gone", name_key="gone"))
        session.flush()
        raise RuntimeError("boom")
    with db.read() as session:
        assert session.scalars(select(Tag)).all() == []
        assert len(session.scalars(select(AuditEntry)).all()) == before


def test_writes_outside_a_transaction_are_refused(db: Database) -> None:
    with pytest.raises(RuntimeError, match=r"Database.read"), db.read() as session:
        session.add(Tag(name="Sneaky", name_key="sneaky"))
        session.flush()


def test_concurrent_edit_of_the_same_row_is_a_conflict_not_a_lost_update(
        any_db: Database, any_owner: Actor) -> None:
    """Two desks open the same customer; the second save is told, and the first one stays."""
    customers = CustomerService(any_db)
    opened = customers.create(CustomerInput(first_name="Margo"), any_owner)
    other_desk = Database(any_db.url.render_as_string(hide_password=False), clock=any_db.clock)
    try:
        theirs = CustomerService(other_desk)
        theirs.update(opened.id, opened.version, CustomerInput(first_name="Margot"), any_owner)
        with pytest.raises(ConflictError, match="changed by someone else"):
            customers.update(opened.id, opened.version, CustomerInput(first_name="Marge"),
                             any_owner)
    finally:
        other_desk.dispose()
    assert customers.get(opened.id).first_name == "Margot"


def test_a_write_that_raced_inside_its_transaction_is_a_conflict(
        any_db: Database, any_owner: Actor) -> None:
    """The ORM's version check, for the moment between reading and writing a row."""
    if any_db.is_sqlite:
        pytest.skip("a writing transaction on SQLite holds the write lock from its start")
    with any_db.transaction(any_owner, None) as session:
        session.add(Tag(name="A", name_key="a"))
    other_desk = Database(any_db.url.render_as_string(hide_password=False), clock=any_db.clock)
    try:
        with pytest.raises(ConflictError, match="Someone else saved"), \
                any_db.transaction(any_owner, None) as session:
            mine = session.scalars(select(Tag)).one()
            with other_desk.transaction(SYSTEM, None) as theirs:
                theirs.scalars(select(Tag)).one().name = "Theirs"
            mine.name = "Mine"
            session.flush()
    finally:
        other_desk.dispose()
    with any_db.read() as session:
        assert session.scalars(select(Tag.name)).one() == "Theirs"


def test_locked_database_is_a_friendly_storage_error(app_home: AppPaths,
                                                     clock: FakeClock) -> None:
    database = Database(app_home.default_database_url(), clock=clock, busy_timeout_ms=50)
    upgrade(database)
    blocker = sqlite3.connect(app_home.database_file, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with (pytest.raises(StorageError, match="busy"),
              database.transaction(SYSTEM, None) as session):
            session.add(Tag(name="x", name_key="x"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        database.dispose()


def test_read_only_database_is_a_friendly_storage_error(app_home: AppPaths,
                                                        clock: FakeClock) -> None:
    writable = Database(app_home.default_database_url(), clock=clock)
    upgrade(writable)
    writable.dispose()
    read_only = Database(f"sqlite:///file:{app_home.database_file}?mode=ro&uri=true",
                         clock=clock)
    try:
        with pytest.raises(StorageError, match="read-only"), \
                read_only.transaction(SYSTEM, None) as session:
            session.add(Tag(name="x", name_key="x"))
    finally:
        read_only.dispose()


def test_a_database_that_cannot_be_opened_for_writing_is_a_friendly_storage_error(
        tmp_path: Path, clock: FakeClock) -> None:
    """As on a read-only mount, where SQLite cannot create the files it keeps beside the
    database: "unable to open database file". (This suite runs as root, whom permissions do not
    stop, so a folder that is a file stands in for the mount.)"""
    (tmp_path / "not-a-folder").write_text("")
    database = Database(f"sqlite:///{tmp_path / 'not-a-folder' / 'crm.sqlite3'}", clock=clock)
    try:
        with pytest.raises(StorageError, match="cannot be opened for writing"):
            upgrade(database)
    finally:
        database.dispose()


def test_full_disk_is_a_friendly_storage_error(db: Database, owner: Actor) -> None:
    with db.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    db.dispose()
    # Cap the file at its current size: the next growth fails as a full disk would.
    from sqlalchemy import event

    @event.listens_for(db.engine, "connect")
    def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StorageError, match="disk is full"), db.transaction(owner, None) as session:
        for i in range(2000):
            session.add(Customer(first_name="X" * 90, last_name=f"{i}", sort_name="x" * 300))


def test_postgres_url_is_described_without_password() -> None:
    database = Database("postgresql+psycopg://crm:secret@127.0.0.1:5432/crm")
    assert "secret" not in database.describe()
    assert database.sqlite_file is None
    database.dispose()


def test_sqlite_file_is_known(db: Database, app_home: AppPaths) -> None:
    assert db.sqlite_file is not None
    assert Path(db.sqlite_file) == app_home.database_file
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_own_writes_cover_a_span_only_when_every_id_in_it_is_this_desks() -> None:
    own = OwnWrites()
    own.add(5, 7)
    own.add(8, 9)
    own.add(12, 12)
    assert own.covers(5, 9) and own.covers(6, 8) and own.covers(12, 12)
    assert not own.covers(4, 9)  # 4 is another desk's
    assert not own.covers(5, 12)  # so are 10 and 11
    assert own.covers(10, 9)  # nothing new at all
    assert not OwnWrites().covers(1, 1)
    own.forget_up_to(9)
    assert not own.covers(5, 5) and own.covers(12, 12)


def test_a_connection_in_use_when_the_database_is_let_go_is_closed_once_done(
        any_db: Database) -> None:
    """As when a worker finishes a read after the window closed (or a restore began): its
    connection goes back to a pool no one holds, and is closed there, not left open for
    the garbage collector (a ResourceWarning, and a connection the server keeps)."""
    other = Database(any_db.url.render_as_string(hide_password=False))
    in_use = other.engine.connect()
    in_use.exec_driver_sql("SELECT 1")
    driver = in_use.connection.dbapi_connection
    other.dispose()
    in_use.close()
    assert driver is not None
    with pytest.raises((sqlite3.ProgrammingError, psycopg.OperationalError), match="closed"):
        driver.cursor()
    with other.engine.connect() as again:  # the database itself can still be used
        assert again.exec_driver_sql("SELECT 1").scalar() == 1
    other.dispose()
