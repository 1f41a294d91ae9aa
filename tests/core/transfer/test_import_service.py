"""Importing: preview, duplicate matching, idempotence, one undoable batch, cancel; on SQLite
and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import (
    AuditEntry,
    ContactKind,
    ContactPoint,
    Customer,
    HistoryKind,
    ImportBatch,
    Role,
)
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.transfer.import_service import (
    Decision,
    ImportCancelledError,
    ImportPreview,
    ImportService,
    MatchKind,
)
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD

FIXTURES = Path(__file__).parents[2] / "fixtures"


def preview_of(service: ImportService, name: str, content: bytes | None = None,
               **kwargs: object) -> ImportPreview:
    data = content if content is not None else (FIXTURES / "imports" / name).read_bytes()
    return service.preview(service.read(data, name), **kwargs)  # type: ignore[arg-type]


def customers(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Customer).where(
            Customer.deleted_at.is_(None))) or 0)


def google_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A Google CSV of (first name, last name, e-mail, note) rows."""
    lines = ["First Name,Last Name,E-mail 1 - Value,Notes"]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_a_file_of_500_with_20_customers_we_have_is_merged_then_creates_nothing_again(
        any_db: Database, any_owner: Actor) -> None:
    """The issue's first-day walk: 20 of 500 are customers already (same e-mail); the 20 are
    matched and merged, the rest created; the same file again creates 0; undo puts back."""
    service, people = ImportService(any_db), CustomerService(any_db)
    known = [people.create(CustomerInput(first_name=f"Known{i}", last_name="Kunde", contacts=[
        ContactInput(ContactKind.EMAIL, f"known{i}@example.com")]), any_owner)
        for i in range(20)]
    rows = [(f"Known{i}", "Kunde", f"known{i}@example.com", "Met at the fair")
            for i in range(20)]
    rows += [(f"Neu{i}", "Müller", f"neu{i}@example.com", "") for i in range(480)]
    content = google_csv(rows)
    preview = preview_of(service, "contacts.csv", content)
    assert (preview.count(MatchKind.NEW), preview.count(MatchKind.SAME)) == (480, 20)
    assert preview.rows[0].match.describe() == "Same as Known0 Kunde (same e-mail)"
    assert preview.rows[0].decision is Decision.MERGE
    result = service.run(preview, any_owner)
    assert (result.created, result.updated) == (480, 20)
    assert customers(any_db) == 500
    merged = people.get(known[0].id)
    assert [n.text for n in merged.notes] == ["Met at the fair"]

    again = preview_of(service, "contacts.csv", content)
    assert again.count(MatchKind.SAME) == 500
    assert {r.match.reason for r in again.rows} == {"the same contact, imported before"}
    second = service.run(again, any_owner)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 500)
    assert customers(any_db) == 500

    service.undo(second.batch_id, any_owner)
    undone = service.undo(result.batch_id, any_owner)
    assert (undone.removed, undone.restored) == (480, 20)
    assert customers(any_db) == 20
    assert people.get(known[0].id).notes == ()
    assert people.get(known[0].id).version == known[0].version + 2  # changed, then put back
    # What was imported is findable, and undone is not found any more.
    assert CustomerListService(any_db).search(CustomerFilter(text="neu1")) == []
    assert service.batches()[1].undone_at is not None


def test_matching_by_phone_by_similar_name_in_the_same_place_and_within_the_file(
        any_db: Database, any_owner: Actor) -> None:
    people = CustomerService(any_db)
    margo = people.create(CustomerInput(
        first_name="Margo", last_name="Delacroix-Øster",
        contacts=[ContactInput(ContactKind.PHONE, "(555) 013-4567")],
        addresses=[AddressInput("1 Main St", postal_code="62701", city="Springfield")]),
        any_owner)
    content = ("First Name,Last Name,Phone 1 - Value,E-mail 1 - Value,Address 1 - Street,"
               "Address 1 - City,Address 1 - Postal Code\n"
               "M.,Someone,+1 555 013 4567,,,,\n"
               "Margot,Delacroix Øster,,margot@example.com,9 Elm St,Springfield,62701\n"
               "Margot,Delacroix Øster,,other@example.com,9 Elm St,Boston,02110\n"
               "Ann,Lee,,ann@example.com,,,\n"
               "Annie,Lee,,ann@example.com,,,\n").encode()
    rows = preview_of(ImportService(any_db), "x.csv", content).rows
    assert [(r.match.kind, r.match.customer_id, r.match.row) for r in rows] == [
        (MatchKind.SAME, margo.id, None), (MatchKind.POSSIBLE, margo.id, None),
        (MatchKind.NEW, None, None), (MatchKind.NEW, None, None),
        (MatchKind.SAME, None, 3)]
    assert rows[1].match.describe() == (
        "Possibly Margo Delacroix-Øster (similar name, same postcode)")
    assert rows[1].decision is Decision.CREATE  # a possible duplicate is never lost
    assert rows[4].match.describe(rows) == "Same as Ann Lee (line 5) (same e-mail)"


def test_each_duplicate_rule_of_a_decision(any_db: Database, any_owner: Actor) -> None:
    """Skip, fill in what we lack (update), merge everything, or create anyway."""
    people, service = CustomerService(any_db), ImportService(any_db)
    jim = people.create(CustomerInput(first_name="Jim", contacts=[
        ContactInput(ContactKind.EMAIL, "jim@example.com")],
        addresses=[AddressInput("4 Elm St", city="Springfield")]), any_owner)
    content = (b"First Name,Last Name,Organization Name,E-mail 1 - Value,Phone 1 - Value,"
               b"Address 1 - Street,Labels,Notes\n"
               b"Jim,Baxter,Baxter Hardware,jim@example.com,555-0100,9 Oak Ave,Friends,"
               b"Likes time to consider\n")
    for decision in (Decision.SKIP, Decision.UPDATE):
        preview = preview_of(service, "jim.csv", content)
        preview.decide_duplicates(decision)
        service.run(preview, any_owner)
    filled = people.get(jim.id)
    assert (filled.last_name, filled.company, filled.tags) == (
        "Baxter", "Baxter Hardware", ("Friends",))
    assert [c.value for c in filled.contacts if c.kind is ContactKind.PHONE] == ["555-0100"]
    assert [a.line1 for a in filled.addresses] == ["4 Elm St"]  # update keeps our address
    assert filled.notes == ()
    preview = preview_of(service, "jim.csv", content)
    preview.decide_duplicates(Decision.MERGE)
    service.run(preview, any_owner)
    merged = people.get(jim.id)
    assert [a.line1 for a in merged.addresses] == ["4 Elm St", "9 Oak Ave"]
    assert [n.text for n in merged.notes] == ["Likes time to consider"]
    preview = preview_of(service, "jim.csv", content)
    preview.decide_duplicates(Decision.CREATE)
    assert service.run(preview, any_owner).created == 1
    assert customers(any_db) == 2


def test_two_records_adding_to_one_customer_are_both_taken_back_by_undo(
        any_db: Database, any_owner: Actor) -> None:
    """Two rows of one file match Jim (his e-mail, his phone): both add to him, in one go,
    and undo takes back what each added."""
    people, service = CustomerService(any_db), ImportService(any_db)
    jim = people.create(CustomerInput(first_name="Jim", contacts=[
        ContactInput(ContactKind.EMAIL, "jim@example.com"),
        ContactInput(ContactKind.PHONE, "555-0100")]), any_owner)
    content = (b"First Name,E-mail 1 - Value,Phone 1 - Value,Address 1 - Street,Notes\n"
               b"Jim,jim@example.com,555-0199,9 Oak Ave,Likes time to consider\n"
               b"Jim,jim.baxter@example.com,555-0100,,Pays cash\n")
    preview = preview_of(service, "jim.csv", content)
    assert [r.match.customer_id for r in preview.rows] == [jim.id, jim.id]
    preview.decide_duplicates(Decision.MERGE)
    result = service.run(preview, any_owner)
    assert (result.created, result.updated) == (0, 1)
    merged = people.get(jim.id)
    assert [c.value for c in merged.contacts] == [
        "jim@example.com", "555-0100", "555-0199", "jim.baxter@example.com"]
    assert [n.text for n in merged.notes] == ["Likes time to consider", "Pays cash"]
    assert [a.line1 for a in merged.addresses] == ["9 Oak Ave"]
    service.undo(result.batch_id, any_owner)
    back = people.get(jim.id)
    assert [c.value for c in back.contacts] == ["jim@example.com", "555-0100"]
    assert (back.notes, back.addresses) == ((), ())


def test_undo_is_refused_once_someone_changed_a_customer_it_touched(
        any_db: Database, any_owner: Actor) -> None:
    service = ImportService(any_db)
    result = service.run(preview_of(service, "google.csv"), any_owner)
    margo = next(i for i in result.customer_ids
                 if CustomerService(any_db).get(i).last_name == "Delacroix-Øster")
    TimelineService(any_db).log(margo, HistoryKind.CALL, "Asked about her order", any_owner)
    with pytest.raises(ValidationError) as caught:
        service.undo(result.batch_id, any_owner)
    assert caught.value.errors["batch"].startswith(
        "1 of the customers this import touched have changed since (Margo Delacroix-Øster)")
    assert customers(any_db) == 5


def test_cancel_leaves_nothing_half_imported(any_db: Database, any_owner: Actor) -> None:
    service = ImportService(any_db)
    preview = preview_of(service, "google.csv")
    asked: list[bool] = []

    def cancelled() -> bool:  # Cancel pressed while the third record is on its way
        asked.append(True)
        return len(asked) > 2

    with pytest.raises(ImportCancelledError):
        service.run(preview, any_owner, cancelled=cancelled)
    assert customers(any_db) == 0
    with any_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_bad_row_is_listed_and_the_others_import(any_db: Database, any_owner: Actor) -> None:
    service = ImportService(any_db)
    long_name = "x" * 101
    content = f"First Name,Last Name,E-mail 1 - Value\nAnn,Lee,ann@example.com\n{long_name},Y,\n" \
        ",,\n".encode()
    preview = preview_of(service, "x.csv", content)
    assert [(r.contact.line, r.match.kind) for r in preview.rows] == [
        (2, MatchKind.NEW), (3, MatchKind.REJECTED)]  # the empty row is no record at all
    assert preview.rows[1].problems == ["First name is too long: 101 characters, at most 100."]
    result = service.run(preview, any_owner)
    assert (result.created, result.rejected) == (1, 1)


def test_the_batch_and_each_customer_are_on_the_audit_trail(db: Database,
                                                           owner: Actor) -> None:
    service = ImportService(db)
    result = service.run(preview_of(service, "iphone.vcf"), owner)
    with db.read() as session:
        entries = {(e.entity, e.entity_id) for e in session.scalars(select(AuditEntry))}
    assert ("import_batches", result.batch_id) in entries
    assert all(("customers", cid) in entries for cid in result.customer_ids)
    assert service.batches()[0].by == "Olivia Owner"


def test_only_the_owner_imports_and_undoes(db: Database, owner: Actor) -> None:
    desk = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    service = ImportService(db)
    preview = preview_of(service, "iphone.vcf")
    with pytest.raises(PermissionDeniedError):
        service.run(preview, desk)
    result = service.run(preview, owner)
    with pytest.raises(PermissionDeniedError):
        service.undo(result.batch_id, desk)


def test_an_import_into_a_database_upgraded_with_its_data(app_home: AppPaths,
                                                         clock: FakeClock) -> None:
    """The migration that adds the import tables, on a database of the previous version
    holding customers: they stay, and an import matches against them."""
    shutil.copy(FIXTURES / "databases" / "crm-0008.sqlite3", app_home.database_file)
    database = Database(app_home.default_database_url(), clock=clock)
    try:
        upgrade(database, app_home.backup_dir)
        before = customers(database)
        owner = next(u for u in UserService(database).list_all() if u.role is Role.OWNER)
        with database.read() as session:
            email = session.scalar(select(ContactPoint.value).where(
                ContactPoint.kind == ContactKind.EMAIL).limit(1))
        assert email is not None
        content = f"First Name,E-mail 1 - Value\nSomeone,{email}\nBrand,new@example.com\n"
        service = ImportService(database)
        preview = preview_of(service, "x.csv", content.encode())
        assert [r.match.kind for r in preview.rows] == [MatchKind.SAME, MatchKind.NEW]
        service.run(preview, owner.as_actor())
        assert customers(database) == before + 1
    finally:
        database.dispose()
