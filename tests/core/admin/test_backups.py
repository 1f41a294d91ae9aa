"""Backups: taken at one moment however busy the database, verified before anything older is
pruned, copied to a second place, kept by a schedule, restored exactly; a damaged or foreign
file is refused in words; kill -9 halfway leaves everything as it was."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import (
    CrmError,
    PassphraseNeededError,
    PermissionDeniedError,
    ValidationError,
    WrongPassphraseError,
)
from crm_desktop.models import AuditAction, Customer, Invoice, Role
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.audit_service import AuditFilter, AuditKind, AuditService
from crm_desktop.services.admin.backup_service import BackupService, BackupSettings
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.storage import pg_backup
from crm_desktop.storage.backup import (
    BackupError,
    BackupInfo,
    KeepPolicy,
    find_backups,
    read_info,
    take_backup,
    to_keep,
    verify,
)
from crm_desktop.storage.backup_crypto import MAGIC, unlock_file
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import current_revision, head_revision
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD, OWNER_PASSWORD


def _service(db: Database, paths: AppPaths) -> BackupService:
    return BackupService(db, paths.backup_dir, paths.backup_settings_file)


def _shop(db: Database, owner: Actor, customers: int = 3) -> str:
    """Customers and one issued invoice; returns its number."""
    service = CustomerService(db)
    address = [AddressInput("12 Elm St", city="Springfield", region="IL",
                            postal_code="62704", country="US")]
    ids = [service.create(CustomerInput(first_name="Margo", last_name=f"Nunez {n}",
                                        addresses=address), owner).id
           for n in range(customers)]
    invoices = InvoiceService(db)
    draft = invoices.create_draft(ids[0], [InvoiceLineInput("Oak side table", D(1),
                                                            D("249.00"), D(0))], owner)
    number = invoices.issue(draft.id, draft.version, owner).number
    assert number is not None
    return number


def _backed_up_shop(db: Database, owner: Actor, app_home: AppPaths
                    ) -> tuple[Actor, str, BackupService, BackupInfo]:
    """A receptionist, the shop of ``_shop`` and a backup of it."""
    receptionist = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                                       first_password=FIRST_PASSWORD).as_actor()
    number = _shop(db, owner)
    service = _service(db, app_home)
    return receptionist, number, service, service.back_up(owner).backup


def _older_backup(tmp_path: Path) -> BackupInfo:
    """A backup taken by version 0009 of the app."""
    older = Path(__file__).parents[2] / "fixtures" / "databases" / "crm-0009.sqlite3"
    old_shop = tmp_path / "old" / "crm.sqlite3"
    old_shop.parent.mkdir()
    old_shop.write_bytes(older.read_bytes())
    return take_backup(old_shop, tmp_path / "old", reason="manual",
                       now=datetime(2026, 1, 5, 12, tzinfo=UTC))


def test_a_backup_holds_the_shop_at_one_moment_and_verifies(
        any_db: Database, any_owner: Actor, app_home: AppPaths) -> None:
    db, owner = any_db, any_owner
    number = _shop(db, owner)
    outcome = _service(db, app_home).back_up(owner)

    info = outcome.backup
    assert info.path.parent == app_home.backup_dir and info.path.suffix == ".crmbackup"
    assert (info.customers, info.invoices, info.last_invoice_number) == (3, 1, number)
    assert info.schema == head_revision() and info.shop_name == "Corner Shop"
    assert outcome.warning is None and outcome.second_copy is None
    assert info.engine == ("sqlite" if db.is_sqlite else "postgresql")
    assert verify(info.path) == info
    if db.is_sqlite:  # smaller than the database it holds: it is compressed
        assert info.size < info.database_bytes
    assert OWNER_PASSWORD not in info.path.name


def test_what_another_desk_writes_during_the_copy_is_not_half_in_it(
        db: Database, owner: Actor, app_home: AppPaths, clock: FakeClock) -> None:
    _shop(db, owner, customers=2)
    other_desk = CustomerService(Database(app_home.default_database_url(), clock=clock))
    written: list[int] = []

    def meanwhile(done: int, total: int) -> None:
        if not written:  # while the copy runs, the other desk saves a customer
            written.append(other_desk.create(CustomerInput(first_name="Jim"), owner).id)

    database_file = Path(str(db.sqlite_file))
    info = take_backup(database_file, app_home.backup_dir, reason="manual", now=clock(),
                       progress=meanwhile)
    assert written and info.customers == 2  # the moment the backup began
    assert verify(info.path).customers == 2
    assert CustomerService(db).get(written[0]).first_name == "Jim"  # and nothing was lost


def test_a_damaged_or_foreign_file_is_refused_in_words(db: Database, owner: Actor,
                                                       app_home: AppPaths, tmp_path: Path) -> None:
    _shop(db, owner)
    info = _service(db, app_home).back_up(owner).backup

    damaged = tmp_path / info.path.name
    data = bytearray(info.path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        verify(damaged)

    lying = tmp_path / "lying.crmbackup"
    with zipfile.ZipFile(info.path) as source, zipfile.ZipFile(lying, "w") as out:
        manifest = json.loads(source.read("manifest.json"))
        manifest["tables"]["customers"] = 4
        out.writestr("manifest.json", json.dumps(manifest))
        out.writestr("crm.sqlite3", source.read("crm.sqlite3"))
    with pytest.raises(BackupError, match=r"does not hold the rows it should.*customers"):
        verify(lying)

    for name, content in (("photo.crmbackup", b"\xff\xd8\xff\xe0 not a zip"),
                          ("empty.crmbackup", b""),
                          ("other.crmbackup", _zip_of({"notes.txt": b"hello"}))):
        foreign = tmp_path / name
        foreign.write_bytes(content)
        with pytest.raises(BackupError, match="not a CRM Desktop backup"):
            read_info(foreign)


def _zip_of(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return buffer.getvalue()


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
              st.sampled_from(["2026-12-04T10:00:00+00:00", "2026-12-04", "sqlite",
                               "postgresql", "0010"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
manifests = st.fixed_dictionaries(
    {}, optional={"format": st.one_of(st.just(1), json_values), "engine": json_values,
                  "taken_at": json_values, "tables": json_values, "reason": json_values,
                  "schema": json_values, "database_sha256": json_values,
                  "database_bytes": json_values, "last_invoice_number": json_values,
                  "customers": json_values})


@settings(max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "30")),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=st.one_of(manifests, json_values), raw=st.binary(max_size=300),
       member=st.sampled_from(["crm.sqlite3", "crm.pgdump", "../../escape", "manifest.json"]),
       as_zip=st.booleans(), locked=st.booleans())
def test_whatever_a_file_holds_reading_or_verifying_it_says_only_why_it_is_refused(
        tmp_path: Path, manifest: object, raw: bytes, member: str, as_zip: bool,
        locked: bool) -> None:
    path = tmp_path / "found.crmbackup"
    content = (_zip_of({"manifest.json": json.dumps(manifest).encode(), member: raw})
               if as_zip else raw)
    if locked:  # a locked backup's opening, then anything
        header = json.dumps({"manifest": manifest, "locked_private": manifest}).encode()
        content = MAGIC + len(header).to_bytes(4, "big") + header + content
    path.write_bytes(content)
    for look in (read_info, verify, lambda p: verify(p, passphrase="a passphrase")):
        try:
            look(path)
        except BackupError as refused:
            assert "found.crmbackup" in str(refused)


@settings(max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lock=st.fixed_dictionaries({}, optional={
           "n": st.one_of(st.integers(), json_values), "r": st.integers(-1, 64),
           "p": st.integers(-1, 8), "salt": json_values, "nonce": json_values,
           "sealed": json_values}),
       ephemeral=st.one_of(json_values, st.binary(max_size=40).map(
           lambda b: base64.b64encode(b).decode())),
       chunk=st.one_of(st.integers(), json_values), body=st.binary(max_size=200))
def test_a_locked_backups_lock_however_hostile_is_refused_in_words(
        tmp_path: Path, lock: dict[str, object], ephemeral: object, chunk: object,
        body: bytes) -> None:
    header = json.dumps({"locked_private": lock, "ephemeral": ephemeral, "chunk": chunk,
                         "nonce_prefix": "AAAAAAAAAA=="}).encode()
    path = tmp_path / "found.crmbackup"
    path.write_bytes(MAGIC + len(header).to_bytes(4, "big") + header + body)
    with pytest.raises(BackupError, match=r"found\.crmbackup"):
        unlock_file(path, tmp_path / "out", "a passphrase", lambda _done, _total: None)


def _info(at: datetime, size: int = 100) -> BackupInfo:
    return BackupInfo(path=Path(f"crm-{at:%Y%m%d-%H%M%S}-daily.crmbackup"), taken_at=at,
                      reason="daily", size=size, schema="0010", app_version="", shop_name="")


def test_the_keep_schedule_is_daily_weekly_monthly_and_a_size_limit() -> None:
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    # Four backups a day for 400 days.
    backups = [_info(start + timedelta(hours=6 * n)) for n in range(400 * 4)]
    kept = to_keep(backups, KeepPolicy(daily=7, weekly=4, monthly=12))
    newest = backups[-1].taken_at
    days = {info.taken_at.date() for info in kept}
    # Every one of the last day (hours 0, 6, 12, 18, 24 back); then the newest of each of
    # the last 7 days, of 4 weeks and of 12 months (some coincide).
    assert kept[:5] == backups[-1:-6:-1]
    assert kept[5].taken_at < newest - timedelta(days=1)
    assert {newest.date() - timedelta(days=n) for n in range(7)} <= days
    assert len({info.taken_at.isocalendar()[:2] for info in kept}) >= 4
    assert len({(info.taken_at.year, info.taken_at.month) for info in kept}) == 12
    assert 12 <= len(kept) <= 4 + 7 + 4 + 12
    limited = to_keep(backups, KeepPolicy(daily=7, weekly=4, monthly=12, max_total_bytes=350))
    assert limited == kept[:3]  # the oldest went first
    assert to_keep(backups, KeepPolicy(max_total_bytes=1 << 20)) == to_keep(
        backups, KeepPolicy())
    assert to_keep([backups[0]], KeepPolicy(daily=1, weekly=0, monthly=0,
                                            max_total_bytes=1)) == [backups[0]]


def test_backups_are_pruned_to_the_schedule_only_after_a_new_one_verified(
        db: Database, owner: Actor, app_home: AppPaths, clock: FakeClock) -> None:
    service = _service(db, app_home)
    service.save_settings(BackupSettings(keep=KeepPolicy(daily=3, weekly=0, monthly=0)), owner)
    for _day in range(5):
        service.back_up(owner)
        clock.advance(days=1)
    found, _ = find_backups([app_home.backup_dir], "crm")
    assert len(found) == 3 and all(verify(info.path) for info in found)


def test_a_second_place_gets_a_verified_copy_and_a_missing_one_is_a_warning(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path) -> None:
    _shop(db, owner)
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    service = _service(db, app_home)
    service.save_settings(BackupSettings(second_place=stick), owner)

    outcome = service.back_up(owner)
    assert outcome.second_copy == stick / outcome.backup.path.name and outcome.warning is None
    assert verify(outcome.second_copy).customers == 3
    listed, _ = service.backups()
    assert [entry.place for entry in listed] == ["This computer", "Second place"]

    stick.rename(tmp_path / "unplugged")
    outcome = service.back_up(owner)
    assert outcome.second_copy is None
    assert outcome.warning is not None and "is not there" in outcome.warning
    assert str(stick) in outcome.warning
    assert not stick.exists()  # never made under a missing mount point
    assert verify(outcome.backup.path)


def test_backup_settings_are_the_owners_and_checked(db: Database, owner: Actor,
                                                    receptionist: Actor,
                                                    app_home: AppPaths) -> None:
    service = _service(db, app_home)
    with pytest.raises(PermissionDeniedError, match="Only the shop owner"):
        service.save_settings(BackupSettings(every_hours=2), receptionist)
    with pytest.raises(ValidationError) as refused:
        service.save_settings(BackupSettings(every_hours=0, second_place=Path("relative"),
                                             keep=KeepPolicy(daily=0)), owner)
    assert set(refused.value.errors) == {"every_hours", "second_place", "keep_daily"}
    saved = service.save_settings(BackupSettings(every_hours=2), owner)
    assert service.settings() == saved
    app_home.backup_settings_file.write_text("{not json")
    assert service.settings() == BackupSettings()  # a broken file: the defaults, no crash


def test_a_backup_is_due_after_the_chosen_hours(db: Database, owner: Actor,
                                                app_home: AppPaths, clock: FakeClock) -> None:
    service = _service(db, app_home)
    assert service.is_due()
    service.back_up(owner)
    assert not service.is_due()
    clock.advance(hours=3, minutes=59)
    assert not service.is_due()
    clock.advance(minutes=1)
    assert service.is_due()


def test_a_restore_brings_the_shop_back_exactly_and_keeps_what_it_replaced(
        any_db: Database, any_owner: Actor, app_home: AppPaths, clock: FakeClock) -> None:
    db, owner = any_db, any_owner
    receptionist, number, service, backup = _backed_up_shop(db, owner, app_home)
    customers = CustomerService(db)
    first = customers.get(1)
    clock.advance(hours=1)
    customers.create(CustomerInput(first_name="Added", last_name="After"), owner)

    with pytest.raises(PermissionDeniedError, match="Only the shop owner"):
        service.prepare_restore(backup.path, receptionist)
    prepared = service.prepare_restore(backup.path, owner)
    service.complete_restore(prepared)

    assert CustomerService(db).get(1) == first
    assert prepared.safety_copy is not None  # the shop as it was, the added customer in it
    assert verify(prepared.safety_copy.path).customers == 4
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3
        assert session.scalars(select(Invoice.number)).all() == [number]
    assert not prepared.staged.exists()
    # The restored trail says it was put back, by whom, and where the shop before it went.
    rows = AuditService(db).page(AuditFilter(kind=AuditKind.SHOP), owner)
    restore = next(row for row in rows if row.action is AuditAction.RESTORE)
    assert restore.who == "Olivia Owner"
    assert restore.what == "The whole shop restored from a backup"
    assert backup.path.name in restore.details
    assert prepared.safety_copy.path.name in restore.details
    # The shop goes on: numbering carries on from the restored invoices, new rows get new ids.
    again = CustomerService(db).create(CustomerInput(first_name="After", last_name="Restore"),
                                       owner)
    assert again.id == 4


def test_kill_9_during_a_backup_leaves_the_database_and_earlier_backups_intact(
        db: Database, owner: Actor, app_home: AppPaths, clock: FakeClock) -> None:
    _shop(db, owner, customers=200)
    earlier = _service(db, app_home).back_up(owner).backup
    database_file = Path(str(db.sqlite_file))
    # A backup in another process that stops in the middle of the copy, says so, and waits
    # to be killed there.
    script = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from crm_desktop.storage.backup import take_backup\n"
        "def halfway(done, total):\n"
        "    print('copying', flush=True)\n"
        "    sys.stdin.readline()\n"
        f"take_backup(Path({str(database_file)!r}), Path({str(app_home.backup_dir)!r}),\n"
        "            reason='killed', now=datetime(2026, 3, 2, 12, tzinfo=UTC),\n"
        "            progress=halfway)\n")
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == "copying\n"
            assert list(app_home.backup_dir.glob(".*.partial"))  # it was writing
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL

    found, unreadable = find_backups([app_home.backup_dir], "crm")
    assert found == [earlier] and not unreadable  # the partial file is nobody's backup
    assert verify(earlier.path).customers == 200
    with closing(sqlite3.connect(database_file)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("SELECT count(*) FROM customers").fetchone() == (200,)
    # The next backup, later, clears what the killed one left.
    clock.advance(hours=2)
    _service(db, app_home).back_up(owner)
    assert not list(app_home.backup_dir.glob(".*partial*"))


def test_an_older_kind_of_copy_is_listed_and_restores(db: Database, owner: Actor,
                                                      app_home: AppPaths) -> None:
    _shop(db, owner)
    app_home.backup_dir.mkdir(parents=True, exist_ok=True)
    plain = app_home.backup_dir / "crm-20260301-080000-daily.sqlite3"
    with closing(sqlite3.connect(str(db.sqlite_file))) as source, \
            closing(sqlite3.connect(plain)) as copy:
        source.backup(copy)
    service = _service(db, app_home)
    listed, _ = service.backups()
    assert [entry.info.legacy for entry in listed] == [True]
    prepared = service.prepare_restore(plain, owner)
    service.complete_restore(prepared)
    assert CustomerService(db).get(3).last_name == "Nunez 2"


def test_a_backup_of_an_older_version_is_upgraded_as_it_is_restored(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path) -> None:
    backup = _older_backup(tmp_path)
    assert backup.schema == "0009" and backup.customers
    service = _service(db, app_home)
    service.complete_restore(service.prepare_restore(backup.path, owner))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == backup.customers
    assert current_revision(db) == head_revision()


PASSPHRASE = "margo's cat is at the vet"


def test_copies_that_leave_the_machine_are_locked_and_open_only_with_the_passphrase(
        any_db: Database, any_owner: Actor, app_home: AppPaths, tmp_path: Path,
        clock: FakeClock) -> None:
    db, owner = any_db, any_owner
    _shop(db, owner)
    stick = tmp_path / "stick"
    stick.mkdir()
    service = _service(db, app_home)
    with pytest.raises(ValidationError, match="Choose a passphrase") as refused:
        service.save_settings(BackupSettings(second_place=stick, lock_copies=True), owner)
    assert refused.value.field == "passphrase"
    with pytest.raises(ValidationError, match="At least 10 characters"):
        service.set_passphrase("cat", owner)
    service.set_passphrase(PASSPHRASE, owner)
    service.save_settings(BackupSettings(second_place=stick, lock_copies=True), owner)
    outcome = service.back_up(owner)
    assert outcome.second_copy is not None and outcome.warning is None
    locked = outcome.second_copy

    # The list says what it holds without the passphrase; opening it needs it.
    info = read_info(locked)
    assert info.locked and info.customers == 3 and not outcome.backup.locked
    with pytest.raises(PassphraseNeededError):
        verify(locked)
    with pytest.raises(WrongPassphraseError, match="does not open"):
        verify(locked, passphrase="margo's dog is at the vet")
    assert verify(locked, passphrase=PASSPHRASE).customers == 3
    # The passphrase is in no file: not the settings, not the copy.
    for path in (app_home.backup_settings_file, locked):
        assert PASSPHRASE.encode() not in path.read_bytes()
    assert b"Nunez" not in locked.read_bytes()  # and no customer in the clear

    # A new computer, with nothing but the stick and the passphrase.
    clock.advance(hours=1)
    CustomerService(db).create(CustomerInput(first_name="Added", last_name="After"), owner)
    prepared = service.prepare_restore(locked, owner, passphrase=PASSPHRASE)
    service.complete_restore(prepared)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3


def test_a_locked_copy_changed_or_cut_off_is_refused(db: Database, owner: Actor,
                                                     app_home: AppPaths,
                                                     tmp_path: Path) -> None:
    _shop(db, owner, customers=40)
    service = _service(db, app_home)
    service.set_passphrase(PASSPHRASE, owner)
    service.save_settings(BackupSettings(lock_copies=True), owner)
    locked = service.copy_to(service.back_up(owner).backup, tmp_path / "away")
    whole = locked.read_bytes()
    for name, damaged in (
            ("flipped", whole[:-40] + bytes([whole[-40] ^ 1]) + whole[-39:]),
            ("cut", whole[:-100]),
            ("claims", whole.replace(b'"customers": 40', b'"customers": 41', 1)),
            ("header", whole[:60])):
        path = tmp_path / f"{name}.crmbackup"
        path.write_bytes(damaged)
        with pytest.raises(BackupError) as refused:
            verify(path, passphrase=PASSPHRASE)
        assert not isinstance(refused.value, WrongPassphraseError), name


def test_looking_inside_a_backup_shows_it_as_it_was_and_changes_nothing(
        any_db: Database, any_owner: Actor, app_home: AppPaths, clock: FakeClock) -> None:
    db, owner = any_db, any_owner
    receptionist, number, service, backup = _backed_up_shop(db, owner, app_home)
    customers = CustomerService(db)
    margo = customers.get(1)
    clock.advance(hours=1)
    customers.update(1, margo.version, CustomerInput(
        first_name="Margo", last_name="Changed Since", addresses=[]), owner)

    with pytest.raises(PermissionDeniedError, match="Only the shop owner"):
        service.open_read_only(backup.path, receptionist)
    view = service.open_read_only(backup.path, owner)
    try:
        assert view.info == backup and view.database.read_only
        # The shop as it was then, through the same services, as the app itself reads it.
        inside = CustomerService(view.database)
        assert inside.get(1).last_name == "Nunez 0"
        with view.database.read() as session:
            assert session.scalars(select(Invoice.number)).all() == [number]
        # Nothing can be written: not through a service, not through the database itself.
        with pytest.raises(PermissionDeniedError, match="backup opened to look inside"):
            inside.create(CustomerInput(first_name="New", last_name="Here"), SYSTEM)
        with pytest.raises(sa_exc.DBAPIError), view.database.engine.begin() as connection:
            connection.execute(text("UPDATE customers SET last_name = 'x'"))
        with view.database.read() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == 3
    finally:
        view.close()
    view.close()  # twice is harmless
    # The shop itself is as it is now; the copy is gone with the window.
    assert CustomerService(db).get(1).last_name == "Changed Since"
    assert not list(app_home.backup_dir.glob(".*partial*"))
    if not db.is_sqlite:
        with db.engine.connect() as connection:
            assert not connection.scalar(text(
                "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_look\\_%'"))
        # A desk on its own SQLite file has no server to open a shared shop's backup on.
        single_desk = Database(app_home.default_database_url())
        try:
            with pytest.raises(BackupError, match="a shared shop"):
                _service(single_desk, app_home).open_read_only(backup.path, SYSTEM)
        finally:
            single_desk.dispose()


def test_a_locked_or_older_backup_opens_to_look_inside(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path) -> None:
    backup = _older_backup(tmp_path)
    service = _service(db, app_home)
    view = service.open_read_only(backup.path, owner)
    try:
        assert current_revision(view.database) == head_revision()
        with view.database.read() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == \
                backup.customers
    finally:
        view.close()
    assert verify(backup.path).schema == "0009"  # the backup itself is as it was
    service.set_passphrase(PASSPHRASE, owner)
    service.save_settings(BackupSettings(second_place=tmp_path, lock_copies=True), owner)
    locked = service.back_up(owner).second_copy
    assert locked is not None
    with pytest.raises(PassphraseNeededError):
        service.open_read_only(locked, owner)
    with pytest.raises(WrongPassphraseError):
        service.open_read_only(locked, owner, passphrase="not it at all, no")
    service.open_read_only(locked, owner, passphrase=PASSPHRASE).close()
    assert not list(app_home.backup_dir.glob(".*partial*"))
    assert not list(tmp_path.glob(".*partial*"))


@settings(max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=json_values, raw=st.binary(max_size=300),
       member=st.sampled_from(["database.sqlite3", "database.dump", "x"]),
       as_zip=st.booleans(), table=st.sampled_from(["", "customers", "alembic_version",
                                                     "notes"]))
def test_whatever_a_file_holds_looking_inside_it_says_only_why_it_is_refused(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path, manifest: object,
        raw: bytes, member: str, as_zip: bool, table: str) -> None:
    path = tmp_path / "found.crmbackup"
    path.unlink(missing_ok=True)
    if table:  # a database, but not a shop's (or a shop's name on something else)
        with closing(sqlite3.connect(path)) as made:
            made.execute(f'CREATE TABLE "{table}" (version_num TEXT, x BLOB)')
            made.execute(f'INSERT INTO "{table}" VALUES (?, ?)', (raw[:8].hex(), raw))
            made.commit()
    else:
        path.write_bytes(_zip_of({"manifest.json": json.dumps(manifest).encode(), member: raw})
                         if as_zip else raw)
    try:
        _service(db, app_home).open_read_only(path, owner).close()
    except CrmError as refused:
        assert refused.message
    assert not list(app_home.backup_dir.glob(".*partial*"))


def test_a_database_that_is_not_a_shops_is_refused_before_anything_is_replaced(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path) -> None:
    _shop(db, owner)
    other = tmp_path / "photos.sqlite3"
    with closing(sqlite3.connect(other)) as made:
        made.execute("CREATE TABLE customers (name TEXT)")
        made.commit()
    service = _service(db, app_home)
    for attempt in (service.prepare_restore, service.open_read_only):
        with pytest.raises(BackupError, match="not a CRM Desktop shop's"):
            attempt(other, owner)
    assert CustomerService(db).get(1).last_name == "Nunez 0"
    assert not list(app_home.backup_dir.glob(".*partial*"))


def test_only_scratch_databases_left_long_ago_are_dropped(
        any_db: Database, app_home: AppPaths) -> None:
    """A scratch database another desk made a moment ago, still being filled and with no
    connection yet, is not taken for one a killed desk left behind."""
    if any_db.is_sqlite:
        pytest.skip("scratch databases are the shared server's")
    url = any_db.engine.url
    prefix = pg_backup._scratch_prefix(url)
    now = int(time.time())
    left, filling = f"{prefix}{now - 7200}_deadbeef", f"{prefix}{now - 5}_cafef00d"
    with any_db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as server:
        for name in (left, filling):
            server.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            pg_backup.drop_stale_scratches(server, url)
            there = set(server.scalars(text(
                "SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                {"p": prefix}))
            assert filling in there and left not in there
        finally:
            for name in (left, filling):
                pg_backup.drop_scratch(server, name)
