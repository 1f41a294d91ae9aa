from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, time
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, text

from crm_desktop import __version__
from crm_desktop.actor import Actor
from crm_desktop.cli import main
from crm_desktop.models import Customer, FollowUpChannel, HistoryEntry, Invoice, Role
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import head_revision
from tests.conftest import PrintQueue
from tests.passwords import FIRST_PASSWORD


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_db_upgrade_and_current_use_the_data_folder(app_home: AppPaths,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.startswith("empty")
    assert main(["db", "upgrade"]) == 0
    assert app_home.database_file.exists()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{head_revision()} (up to date)"


def test_database_option_and_environment_variable(tmp_path: object, app_home: AppPaths,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = app_home.data_dir / "other.sqlite3"
    assert main(["--database", f"sqlite:///{elsewhere}", "db", "upgrade"]) == 0
    assert elsewhere.exists()
    from_env = app_home.data_dir / "env.sqlite3"
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{from_env}")
    assert main(["db", "upgrade"]) == 0
    assert from_env.exists()
    assert not app_home.database_file.exists()


def test_demo_data_fills_every_area(app_home: AppPaths,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-data", "--customers", "40", "--history-per-customer", "3"]) == 0
    assert "added 40 customers, 120 history entries" in capsys.readouterr().out
    database = Database(app_home.default_database_url())
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 40
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == 120
        assert session.scalar(select(func.count()).select_from(Invoice)) > 10
    database.dispose()
    # Running it again adds more, without clashing ids or numbers.
    assert main(["demo-data", "--customers", "10"]) == 0


def test_a_newer_database_gives_a_clear_message(app_home: AppPaths,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    database = Database(app_home.default_database_url())
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'abc_future'"))
    database.dispose()
    assert main(["db", "upgrade"]) == 1
    assert "newer version of CRM Desktop" in capsys.readouterr().err


def test_follow_ups_export_as_icalendar_that_parses_back(
        db: Database, owner: Actor, app_home: AppPaths,
        capsys: pytest.CaptureFixture[str]) -> None:
    jim = CustomerService(db).create(CustomerInput(first_name="Jim", last_name="Hale"),
                                     owner).id
    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD)
    follow_ups = FollowUpService(db, zone_name="Europe/Berlin")
    follow_ups.schedule(FollowUpInput(jim, date(2026, 3, 16), "Ask about the chairs",
                                      at=time(9), repeat="FREQ=MONTHLY;BYDAY=+3MO",
                                      time_zone="Europe/Berlin", notes="He likes time"),
                        owner)
    follow_ups.schedule(FollowUpInput(jim, date(2026, 3, 20), "Birthday card",
                                      channel=FollowUpChannel.CARD, assignee_id=rita.id),
                        owner)
    done = follow_ups.schedule(FollowUpInput(jim, date(2026, 3, 2), "Old one"), owner)
    follow_ups.complete(done.id, done.version, "Done", owner)
    target = app_home.data_dir / "follow-ups.ics"

    assert main(["follow-ups", "export", "--ics", str(target)]) == 0
    assert capsys.readouterr().out.startswith("wrote 2 open follow-ups")
    todos = Calendar.from_ical(target.read_bytes()).walk("VTODO")
    assert [str(t["summary"]) for t in todos] == ["Call Jim Hale: Ask about the chairs",
                                                   "Card Jim Hale: Birthday card"]
    chairs, card = todos
    assert chairs["rrule"].to_ical() == b"FREQ=MONTHLY;BYDAY=+3MO"
    assert chairs.decoded("due") == datetime(2026, 3, 16, 9,
                                             tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(chairs["description"]) == "He likes time\nFor Olivia Owner"
    assert card.decoded("due") == date(2026, 3, 20) and "rrule" not in card
    # One person's only.
    assert main(["follow-ups", "export", "--ics", str(target), "--user", "rita reception"]) == 0
    assert len(Calendar.from_ical(target.read_bytes()).walk("VTODO")) == 1
    assert main(["follow-ups", "export", "--ics", str(target), "--user", "Nobody"]) == 2


def _issued_invoice(db: Database, owner: Actor) -> str:
    from crm_desktop.services.customers.customer_service import AddressInput
    from crm_desktop.services.invoices.invoice_service import (
        InvoiceLineInput,
        InvoiceService,
    )

    cid = CustomerService(db).create(CustomerInput(
        first_name="Zoë", last_name="Łukasiewicz",
        addresses=[AddressInput("12 Elm St", city="Springfield", region="IL",
                                postal_code="62704", country="US")]), owner).id
    invoices = InvoiceService(db)
    draft = invoices.create_draft(cid, [InvoiceLineInput("Oak side table", D(1), D("249.00"),
                                                         D(8))], owner)
    number = invoices.issue(draft.id, draft.version, owner).number
    assert number is not None
    return number


def test_invoice_pdf_writes_one_invoice_by_number(db: Database, owner: Actor,
                                                  app_home: AppPaths,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    number = _issued_invoice(db, owner)
    target = app_home.data_dir / "invoice.pdf"
    assert main(["invoice", "pdf", number, "-o", str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote Invoice {number}")
    shown = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert number in shown and "Zoë Łukasiewicz" in shown
    assert main(["invoice", "pdf", "1999-9999", "-o", str(target)]) == 1
    assert "no invoice numbered" in capsys.readouterr().err


def test_invoice_print_unprinted_prints_through_cups_and_marks_them(
        db: Database, owner: Actor, printer: PrintQueue,
        capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _issued_invoice(db, owner), _issued_invoice(db, owner)
    before = printer.files()
    assert main(["invoice", "print", "--unprinted", "--printer", printer.name]) == 0
    out = capsys.readouterr().out
    assert f"Invoice {first}" in out and f"Invoice {second}" in out
    printed = printer.printed(before)
    assert len(printed) == 2
    pages = subprocess.run(["pdfinfo", str(printed[0])], capture_output=True, text=True,
                           check=True).stdout
    assert re.search(r"Pages:\s+1\n", pages)
    # Marked printed: the next run has nothing to do.
    assert main(["invoice", "print", "--unprinted"]) == 0
    assert capsys.readouterr().out.strip() == "nothing to print"


def test_users_from_the_command_line(db: Database, owner: Actor, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """For the owner locked out of the app: on the machine with the database, passwords are
    asked at a prompt (never an argument) and the owner's own is theirs for good."""
    typed: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: typed.pop(0))
    typed[:] = [FIRST_PASSWORD, FIRST_PASSWORD]
    assert main(["users", "add", "Vera Books", "--role", "viewer"]) == 0
    assert "signs in as vera.books" in capsys.readouterr().out
    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("vera.books") and "Viewer" in line and "first password" in line
               for line in listed)
    assert FIRST_PASSWORD not in "\n".join(listed)
    typed[:] = ["the owner remembers now", "the owner remembers now"]
    assert main(["users", "reset-password", "Olivia Owner"]) == 0
    assert "password is changed" in capsys.readouterr().out
    signed_in = UserService(db).sign_in("olivia.owner", "the owner remembers now")
    assert signed_in.id == owner.user_id and not signed_in.must_change_password
    typed[:] = ["one new password", "another one"]
    assert main(["users", "reset-password", "vera.books"]) == 1
    assert "differ" in capsys.readouterr().err
    assert main(["users", "reset-password", "Nobody"]) == 1
    assert "users list" in capsys.readouterr().err


def test_backup_list_verify_and_restore_from_the_command_line(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    customers = CustomerService(db)
    customers.create(CustomerInput(first_name="Margo", last_name="Hurry"), owner)
    stick = tmp_path / "usb-stick"
    assert main(["backup", "--to", str(stick)]) == 0
    said = capsys.readouterr().out
    assert "backed up and verified" in said and "1 customers" in said
    (copy,) = stick.glob("*.crmbackup")
    assert main(["backup", "verify", str(copy)]) == 0
    assert capsys.readouterr().out.startswith("verified: ")
    assert main(["backup", "list"]) == 0
    assert "This computer" in capsys.readouterr().out

    customers.create(CustomerInput(first_name="Jim", last_name="Consider"), owner)
    assert main(["restore", str(copy)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("restored ") and "the database as it was is in" in said
    restored = Database(app_home.default_database_url())
    with restored.read() as session:
        names = session.scalars(select(Customer.first_name)).all()
    restored.dispose()
    assert names == ["Margo"]

    not_a_backup = tmp_path / "holiday.crmbackup"
    not_a_backup.write_bytes(b"PK\x03\x04 a holiday photo, renamed")
    assert main(["backup", "verify", str(not_a_backup)]) == 1
    assert "holiday.crmbackup" in capsys.readouterr().err


def test_a_locked_copy_from_the_command_line_asks_for_its_passphrase(
        db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from crm_desktop.services.admin.backup_service import BackupService, BackupSettings

    service = BackupService(db, app_home.backup_dir, app_home.backup_settings_file)
    service.set_passphrase("a long enough passphrase", owner)
    service.save_settings(BackupSettings(lock_copies=True), owner)
    assert main(["backup", "--to", str(tmp_path / "away")]) == 0
    (copy,) = (tmp_path / "away").glob("*.crmbackup")
    capsys.readouterr()
    typed = ["not it at all", "a long enough passphrase"]
    monkeypatch.setattr("getpass.getpass", lambda prompt: typed.pop(0))
    assert main(["backup", "verify", str(copy)]) == 1
    assert "does not open" in capsys.readouterr().err
    assert main(["backup", "verify", str(copy)]) == 0
    assert "locked with a passphrase" in capsys.readouterr().out
