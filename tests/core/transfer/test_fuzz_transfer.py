"""The import and export inputs, fuzzed with hostile files on SQLite and PostgreSQL.

Whatever bytes a file holds (broken encodings, NUL, lone surrogates written as CESU, control
characters, huge fields, random cards), reading it either refuses it with a message on
``file`` or gives records; importing those records stores only what a database can hold and
raises nothing but the project's own errors; and what was imported exports and reads back."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.services.transfer.contact_files import FileFormat, ReadOptions, read_contacts
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.import_service import ImportService
from crm_desktop.storage.database import Database
from tests.core.test_fuzz_services import EXAMPLES, clean, survives, text

HEADERS = ["First Name", "Last Name", "Organization Name", "E-mail 1 - Value",
           "Phone 1 - Value", "Birthday", "Notes", "Labels", "Address 1 - Street",
           "Address 1 - Country", "Vorname", "Nachname", "E-Mail-Adresse", "Geburtstag", "x"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]


def _encode(value: str, encoding: str) -> bytes:
    return value.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else
                        "replace")


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(text, min_size=0, max_size=len(header) + 1), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    return _encode(out.getvalue(), draw(st.sampled_from(ENCODINGS)))


@st.composite
def vcard_files(draw: st.DrawFn) -> bytes:
    names = ["FN", "N", "TEL", "EMAIL", "ADR", "BDAY", "NOTE", "ORG", "CATEGORIES", "UID",
             "item1.X-ABLabel", "PHOTO;ENCODING=b", "NOTE;ENCODING=QUOTED-PRINTABLE",
             "X-CRM-PREFERENCE;KIND=x", "ANNIVERSARY"]
    cards = []
    for _ in range(draw(st.integers(1, 3))):
        version = draw(st.sampled_from(["2.1", "3.0", "4.0", "9"]))
        lines = [f"{draw(st.sampled_from(names))}:{draw(text)}"
                 for _ in range(draw(st.integers(0, 6)))]
        cards.append("\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD"]))
    return _encode("\r\n".join(cards) + draw(st.sampled_from(["", "\r\nBEGIN:VCARD"])),
                   draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])))


files = st.one_of(csv_files(), vcard_files(), st.binary(max_size=400))


@EXAMPLES
@given(content=files, chosen=st.sampled_from([None, *FileFormat]))
def test_any_file_is_refused_or_imported_whole(any_db: Database, any_owner: Actor,
                                               content: bytes, chosen: FileFormat | None
                                               ) -> None:
    service = ImportService(any_db)
    try:
        file = service.read(content, "fuzz", ReadOptions(format=chosen))
    except ValidationError as exc:
        assert set(exc.errors) == {"file"}
        return
    preview = service.preview(file)
    result = survives(lambda: service.run(preview, any_owner))
    if result is None:
        return
    out = io.StringIO()
    if not ExportService(any_db).vcards(out, any_owner, sorted(result.customer_ids)):
        return
    for card in read_contacts(out.getvalue().encode(), "back", "US").contacts:
        for value in (card.data.first_name, card.data.last_name, card.data.company,
                      *card.notes, *card.data.tags):
            clean(value)
    survives(lambda: service.undo(result.batch_id, any_owner))


@EXAMPLES
@given(header=st.lists(text, min_size=1, max_size=5), cell=text,
       mapping=st.lists(st.sampled_from(["", "first_name", "email", "phone", "birthday",
                                         "home.street", "home.country", "notes", "tags",
                                         "nonsense"]), max_size=6))
def test_any_mapping_of_any_columns(any_db: Database, header: list[str], cell: str,
                                    mapping: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([header, [cell] * len(header)])
    service = ImportService(any_db)
    try:
        file = service.read(_encode(out.getvalue(), "utf-8"), "fuzz",
                            ReadOptions(format=FileFormat.CSV, mapping=tuple(mapping)))
    except ValidationError as exc:
        assert set(exc.errors) == {"file"}
        return
    service.preview(file)
