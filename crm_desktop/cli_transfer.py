"""``crm-desktop import`` and ``crm-desktop export``: customers in and out without the GUI.

    crm-desktop import FILE [--dry-run] [--format F] [--on-duplicate skip|update|merge|create]
    crm-desktop import --list | --undo BATCH
    crm-desktop export customers (--csv FILE | --vcard FILE) [--tag TAG]
    crm-desktop export all FILE

The command line acts as the shop's owner (it needs the database itself, i.e. the machine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_desktop.actor import Actor
from crm_desktop.models import Role
from crm_desktop.storage.database import Database

FORMATS = ("google", "outlook", "vcard", "csv")
DECISIONS = ("skip", "update", "merge", "create")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importing = commands.add_parser(
        "import", help="bring customers in from Google or Outlook CSV, or vCards")
    importing.add_argument("file", nargs="?", metavar="FILE", type=Path)
    importing.add_argument("--dry-run", action="store_true",
                           help="show what would happen, change nothing")
    importing.add_argument("--format", choices=FORMATS, help="default: detected")
    importing.add_argument("--encoding", help="default: detected (utf-8, utf-16, cp1252…)")
    importing.add_argument(
        "--on-duplicate", choices=DECISIONS,
        help="for contacts we already have: skip them, fill in what we lack (update), add "
             "all they have (merge), or create them anyway (default: merge sure matches, "
             "create possible ones)")
    importing.add_argument("--list", action="store_true", help="list the imports made")
    importing.add_argument("--undo", type=int, metavar="BATCH", help="undo this import")

    export = commands.add_parser("export", help="take customers out as CSV or vCards")
    what = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    customers = what.add_parser("customers", help="customers as Google CSV or vCard 4.0")
    target = customers.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", type=Path, metavar="FILE", help="Google Contacts CSV")
    target.add_argument("--vcard", type=Path, metavar="FILE", help="vCard 4.0")
    customers.add_argument("--tag", help="only customers with this tag")
    everything = what.add_parser(
        "all", help="the whole shop (every customer with all their history, orders, "
                    "invoices, follow-ups, queries, feedback, settings) as one ZIP of JSON")
    everything.add_argument("file", metavar="FILE", type=Path)


def _owner(database: Database) -> Actor:
    from crm_desktop.services.admin.user_service import UserService  # noqa: PLC0415

    owners = [u for u in UserService(database).list_all() if u.role is Role.OWNER and u.active]
    if not owners:
        raise SystemExit("crm-desktop: this shop has no owner yet; open the app once first")
    return owners[0].as_actor()


def run_import(database: Database, args: argparse.Namespace) -> int:
    from crm_desktop.services.transfer.contact_files import (  # noqa: PLC0415
        FileFormat,
        ReadOptions,
    )
    from crm_desktop.services.transfer.import_service import (  # noqa: PLC0415
        Decision,
        ImportService,
        MatchKind,
    )

    service = ImportService(database)
    if args.list:
        for batch in service.batches():
            state = f"undone {batch.undone_at:%Y-%m-%d %H:%M}" if batch.undone_at else ""
            print(f"{batch.id:>5}  {batch.at:%Y-%m-%d %H:%M}  {batch.file_name}  "
                  f"{batch.created:,} created, {batch.updated:,} updated  {batch.by}  {state}")
        return 0
    actor = _owner(database)
    if args.undo is not None:
        undone = service.undo(args.undo, actor)
        print(f"import {args.undo} undone: {undone.summary()}")
        return 0
    if args.file is None:
        print("crm-desktop: name the file to import (or --list, --undo)", file=sys.stderr)
        return 2
    try:
        content = args.file.read_bytes()
    except OSError as exc:
        print(f"crm-desktop: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    options = ReadOptions(format=FileFormat(args.format) if args.format else None,
                          encoding=args.encoding)
    file = service.read(content, args.file.name, options)
    on_duplicate = Decision(args.on_duplicate) if args.on_duplicate else None
    preview = service.preview(file, on_duplicate=on_duplicate)
    print(f"{file.name}: {file.format.label}, {file.encoding}"
          + (f", separated by {file.delimiter!r}" if file.delimiter else "")
          + f": {len(preview.rows):,} contacts")
    for row in preview.rows:
        if row.match.kind is not MatchKind.NEW or row.problems:
            print(f"  line {row.contact.line}: {row.contact.name}: "
                  f"{row.match.describe(preview.rows)} -> {row.decision.label}")
            for problem in row.problems:
                print(f"      {problem}")
    counts = {kind: preview.count(kind) for kind in MatchKind}
    print(f"{counts[MatchKind.NEW]:,} new, {counts[MatchKind.SAME]:,} already customers, "
          f"{counts[MatchKind.POSSIBLE]:,} possible duplicates, "
          f"{counts[MatchKind.REJECTED]:,} cannot be imported")
    if args.dry_run:
        print("dry run: nothing was changed")
        return 0
    result = service.run(preview, actor)
    print(f"import {result.batch_id}: {result.summary()} "
          f"(undo with: crm-desktop import --undo {result.batch_id})")
    return 0


def run_export(database: Database, args: argparse.Namespace) -> int:
    from crm_desktop.services.customers.customer_list_service import (  # noqa: PLC0415
        CustomerFilter,
        CustomerListService,
    )
    from crm_desktop.services.transfer.export_service import ExportService  # noqa: PLC0415
    from crm_desktop.services.transfer.shop_archive import export_shop  # noqa: PLC0415

    if args.export_what == "all":
        counts = export_shop(database, args.file, _owner(database))
        print(f"wrote the whole shop to {args.file}: {counts.get('customers', 0):,} customers, "
              f"{sum(counts.values()):,} records in {len(counts)} tables")
        return 0
    ids = None
    if args.tag:
        ids = CustomerListService(database).matching_ids(CustomerFilter(tag=args.tag))
    path: Path = args.csv or args.vcard
    service = ExportService(database)
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as out:
        count = service.google_csv(out, _owner(database), ids) if args.csv else \
            service.vcards(out, _owner(database), ids)
    partial.replace(path)  # a half-written file never takes the name
    print(f"wrote {count:,} customers to {path}")
    return 0
