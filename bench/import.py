"""Importing at scale: rows per second for each format, and duplicate matching against a
filled database.

    python bench/import.py [--rows 10000] [--formats google,outlook,vcard] [--database URL]

Writes a Google CSV, an Outlook CSV and a vCard file of ``--rows`` contacts each (names with
accents, an e-mail, a phone, an address, a birthday, labels, a note), then reads (and checks),
previews (matches) and imports each into a fresh SQLite database, printing each step's rows
per second, then imports the same file again (it must create nobody). With ``--database``
(e.g. the 100,000-customer demo database, which is not changed), it also times the preview of
the Google file against those customers: duplicate matching.

The floors beside the figures: the same file parsed by the bare csv module or vobject; each
row's phone and e-mail read by phonenumbers and email-validator alone (what checking cannot
do without); and the rows the import wrote, written again by bare sqlite3 into a fresh
database (what writing cannot do without).
Goal (issue #17): 100,000 Google CSV rows imported, matched and indexed in 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import tempfile
import time
from pathlib import Path

import phonenumbers
import vobject
from email_validator import validate_email

from crm_desktop.demo_data import DEMO_PASSWORD as OWNER_PASSWORD
from crm_desktop.models import Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.transfer.import_service import ImportService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade

FIRST = ["Margo", "José", "Łukasz", "Zoë", "Jürgen", "Hélène", "Jim", "Alecia", "Sam", "Ann"]
LAST = ["Delacroix-Øster", "Nuñez", "Müller-Lüdenscheidt", "Weiß", "Lefèvre", "Baxter",
        "Brown", "O'Neil", "Lee", "Nowak"]


def people(rows: int) -> list[dict[str, str]]:
    return [{"first": FIRST[i % 10], "last": f"{LAST[(i // 10) % 10]} {i}",
             "email": f"person{i}@example.com", "phone": f"(555) {i % 1000:03d}-{i % 10000:04d}",
             "street": f"{i % 300 + 1} High Street", "city": "Springfield",
             "postcode": f"{62700 + i % 90}", "birthday": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
             "labels": "VIP" if i % 7 == 0 else "Regulars", "note": f"Likes time to consider ({i})"}
            for i in range(rows)]


def google(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Label",
                     "Phone 1 - Value", "Address 1 - Street", "Address 1 - City",
                     "Address 1 - Postal Code", "Birthday", "Labels", "Notes"])
    writer.writerows([p["first"], p["last"], p["email"], "Mobile", p["phone"], p["street"],
                      p["city"], p["postcode"], p["birthday"], f"* myContacts ::: {p['labels']}",
                      p["note"]] for p in rows)
    return out.getvalue().encode("utf-8")


def outlook(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Vorname", "Nachname", "E-Mail-Adresse", "Mobiltelefon", "Straße privat",
                     "Ort privat", "Postleitzahl privat", "Geburtstag", "Kategorien",
                     "Notizen"])
    writer.writerows([p["first"], p["last"], p["email"], p["phone"], p["street"], p["city"],
                      p["postcode"], ".".join(reversed(p["birthday"].split("-"))),
                      p["labels"], p["note"]] for p in rows)
    return out.getvalue().encode("cp1252", "replace")


def vcards(rows: list[dict[str, str]]) -> bytes:
    cards = [f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:{p['last']};{p['first']};;;\r\nFN:{p['first']} "
             f"{p['last']}\r\nEMAIL;type=INTERNET:{p['email']}\r\nTEL;type=CELL:{p['phone']}\r\n"
             f"ADR;type=HOME:;;{p['street']};{p['city']};;{p['postcode']};\r\n"
             f"BDAY:{p['birthday']}\r\nCATEGORIES:{p['labels']}\r\nNOTE:{p['note']}\r\n"
             f"UID:bench-{i}\r\nEND:VCARD\r\n" for i, p in enumerate(rows)]
    return "".join(cards).encode("utf-8")


def floor(name: str, content: bytes) -> float:
    start = time.perf_counter()
    if name == "vcard":
        for _card in vobject.readComponents(content.decode("utf-8")):
            pass
    else:
        text = content.decode("cp1252" if name == "outlook" else "utf-8")
        for _row in csv.reader(io.StringIO(text), delimiter=";" if name == "outlook" else ","):
            pass
    return time.perf_counter() - start


def libraries(rows: list[dict[str, str]]) -> float:
    """Seconds phonenumbers and email-validator take for each row's phone and e-mail."""
    start = time.perf_counter()
    for p in rows:
        number = phonenumbers.parse(p["phone"], "US")
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        validate_email(p["email"], check_deliverability=False)
    return time.perf_counter() - start


# What an import writes, in the order the foreign keys need.
WRITTEN = ("import_batches", "tags", "customers", "customer_tags", "contact_points", "addresses",
           "important_dates", "personal_notes", "customer_search", "customer_sources",
           "import_batch_items", "audit_entries")


def bare_writes(folder: Path, name: str) -> float:
    """Seconds bare sqlite3 takes to write the rows the import wrote into ``name``, again,
    into a fresh database (its search triggers and indexes included), 500 rows a statement."""
    source = sqlite3.connect(folder / f"{name}.sqlite3")
    tables = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in WRITTEN}
    source.close()
    target, _service = fresh(folder, f"{name}-bare")
    target.dispose()
    conn = sqlite3.connect(folder / f"{name}-bare.sqlite3", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM audit_entries")  # the first run's, whose ids would clash
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table, rows in tables.items():
        for i in range(0, len(rows), 500):
            chunk = rows[i:i + 500]
            one = f"({', '.join('?' for _ in chunk[0])})"
            conn.execute(f"INSERT INTO {table} VALUES {', '.join([one] * len(chunk))}",
                         [v for row in chunk for v in row])
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def fresh(folder: Path, name: str) -> tuple[Database, ImportService]:
    database = Database(f"sqlite:///{folder / name}.sqlite3")
    upgrade(database)
    UserService(database).first_run("Olivia Owner", "Bench Shop", "US", password=OWNER_PASSWORD)
    return database, ImportService(database)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--formats", default="google,outlook,vcard")
    parser.add_argument("--database", help="a filled database to match against (read only)")
    args = parser.parse_args()
    rows = people(args.rows)
    makers = {"google": google, "outlook": outlook, "vcard": vcards}
    print(f"{args.rows:,} contacts per file; rows per second (higher is better)")
    print(f"{'format':<9}{'read':>10}{'preview':>10}{'import':>10}{'all':>10}{'again':>10}"
          f"   {'floor: parse only':>18}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.formats.split(","):
            content = makers[name](rows)
            database, service = fresh(Path(tmp), name)
            owner = next(u for u in UserService(database).list_all() if u.role is Role.OWNER)
            t0 = time.perf_counter()
            file = service.read(content, f"bench.{name}")
            t1 = time.perf_counter()
            preview = service.preview(file)
            t2 = time.perf_counter()
            result = service.run(preview, owner.as_actor())
            t3 = time.perf_counter()
            assert result.created == args.rows, result.summary()
            again = service.run(service.preview(service.read(content, f"bench.{name}")),
                                owner.as_actor())
            t4 = time.perf_counter()
            assert again.created == 0, again.summary()
            bare = floor(name, content)
            rate = [args.rows / max(t, 1e-9) for t in (t1 - t0, t2 - t1, t3 - t2, t3 - t0,
                                                       t4 - t3)]
            print(f"{name:<9}" + "".join(f"{r:>10,.0f}" for r in rate)
                  + f"   {args.rows / bare:>14,.0f}/s   ({t3 - t0:.1f} s in all)")
            database.dispose()
            if name == "google":
                checks, writes = libraries(rows), bare_writes(Path(tmp), name)
                print(f"{'':<9}floors: phonenumbers + email-validator alone "
                      f"{args.rows / checks:,.0f}/s ({checks:.1f} s); the same rows written "
                      f"by bare sqlite3 {args.rows / writes:,.0f}/s ({writes:.1f} s); "
                      f"together {checks + writes:.1f} s")
        if args.database:
            matched = Database(args.database)
            service = ImportService(matched)
            file = service.read(google(rows), "bench.csv")
            start = time.perf_counter()
            preview = service.preview(file)
            took = time.perf_counter() - start
            print(f"duplicate matching of {args.rows:,} rows against {args.database}: "
                  f"{took:.2f} s ({args.rows / took:,.0f} rows/s), "
                  f"{sum(1 for r in preview.rows if r.match.kind != 'new'):,} matched")
            matched.dispose()


if __name__ == "__main__":
    main()
