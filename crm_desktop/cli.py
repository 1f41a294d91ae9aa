"""The ``crm-desktop`` command: launch the app, or run a maintenance sub-command.

    crm-desktop                         open the app on the default SQLite database
    crm-desktop --database URL          ... or on another database (also CRM_DATABASE_URL)
    crm-desktop db upgrade | db current
    crm-desktop demo-data --customers N
    crm-desktop follow-ups export --ics FILE [--user NAME]
    crm-desktop invoice pdf NUMBER -o FILE
    crm-desktop invoice print --unprinted [--printer NAME]
    crm-desktop import FILE [--dry-run] [--format F] [--on-duplicate skip|update|merge|create]
    crm-desktop import --list | --undo BATCH
    crm-desktop export customers (--csv FILE | --vcard FILE) [--tag TAG]
    crm-desktop export all FILE
    crm-desktop users list | users add NAME --role ROLE | users reset-password NAME
    crm-desktop backup [--to DIR] | backup list | backup verify FILE
    crm-desktop restore FILE
    crm-desktop server setup [--subnet CIDR] | server move --to URL
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crm_desktop import APP_NAME, __version__
from crm_desktop.logging_setup import configure_logging
from crm_desktop.paths import AppPaths, app_paths

if TYPE_CHECKING:
    from crm_desktop.storage.database import Database

DATABASE_ENV = "CRM_DATABASE_URL"

log = logging.getLogger(__name__)


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", metavar="URL", default=os.environ.get(DATABASE_ENV),
        help="database URL, e.g. postgresql+psycopg://user@host/crm "
             f"(default: ${DATABASE_ENV}, else SQLite in your data folder)",
    )
    parser.add_argument("--verbose", action="store_true", help="log debug details")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the main window, then quit (checks an installation)")


def build_parser() -> argparse.ArgumentParser:
    # The commands' modules import the database code: only a command needs them.
    from crm_desktop import cli_backup, cli_server, cli_transfer, cli_users  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="crm-desktop", description=f"{APP_NAME}: remember every "
                                     "customer.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_app_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="back up, then upgrade the schema to this version")
    db_commands.add_parser("current", help="print the database's schema revision")

    demo = commands.add_parser("demo-data", help="fill the database with realistic fake data")
    demo.add_argument("--customers", type=int, default=500, metavar="N")
    demo.add_argument("--history-per-customer", type=int, default=5, metavar="K")
    demo.add_argument("--seed", type=int, default=2026)

    follow_ups = commands.add_parser("follow-ups", help="follow-ups outside the app")
    follow_up_commands = follow_ups.add_subparsers(dest="follow_ups_command", metavar="ACTION",
                                                   required=True)
    export = follow_up_commands.add_parser(
        "export", help="write open follow-ups as an iCalendar file for phone calendars")
    export.add_argument("--ics", required=True, metavar="FILE", type=Path)
    export.add_argument("--user", metavar="NAME",
                        help="only this person's (their display name); default: everyone's")

    invoice = commands.add_parser("invoice", help="invoices outside the app")
    invoice_commands = invoice.add_subparsers(dest="invoice_command", metavar="ACTION",
                                              required=True)
    pdf = invoice_commands.add_parser("pdf", help="write one invoice as a PDF file")
    pdf.add_argument("number", metavar="NUMBER", help="the invoice's number, e.g. 2026-0042")
    pdf.add_argument("-o", "--output", required=True, metavar="FILE", type=Path)
    printing = invoice_commands.add_parser(
        "print", help="print every issued invoice nobody has printed yet, and mark it printed")
    printing.add_argument("--unprinted", action="store_true", required=True,
                          help="(required) the issued invoices not yet printed")
    printing.add_argument("--printer", metavar="NAME", help="default: the system's default")
    cli_transfer.add_parsers(commands)
    cli_users.add_parsers(commands)
    cli_backup.add_parsers(commands)
    cli_server.add_parsers(commands)
    return parser


def database_url(args: argparse.Namespace, paths: AppPaths) -> str:
    """--database, else the shared shop this desk connected to, else this computer's own."""
    if args.database:
        return str(args.database)
    from crm_desktop.storage.shared_shop import desk_url  # noqa: PLC0415

    return desk_url(paths)


def _app_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The options when ``argv`` only launches the app (no command, no --help or
    --version), read without importing any command's code; otherwise None."""
    launcher = argparse.ArgumentParser(add_help=False)
    _add_app_options(launcher)
    args, rest = launcher.parse_known_args(argv)
    return None if rest else args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    launching = _app_arguments(argv)
    args = launching or build_parser().parse_args(argv)
    paths = app_paths().ensure()
    configure_logging(paths.log_file, verbose=args.verbose)
    from crm_desktop.errors import CrmError  # noqa: PLC0415

    if launching is not None:
        # Qt is loaded only for the GUI, so maintenance commands run on a machine without it.
        # A window says the shop is opening before the rest of the app is imported, and
        # before the shop is looked for (a shared one's link and keyring).
        from crm_desktop.gui.starting import show_starting_window  # noqa: PLC0415

        starting = show_starting_window()
        if args.smoke_test:  # (bench/start_up.py times these lines as they arrive)
            print("starting window shown", flush=True)
        try:
            url = database_url(args, paths)
        except CrmError as exc:  # e.g. the shared shop's password gone from the keyring
            log.warning("cannot open the shop: %s", exc)
            starting.close()
            from crm_desktop.gui.app import cannot_open  # noqa: PLC0415

            return cannot_open(exc, paths)
        from crm_desktop.gui.app import run_app  # noqa: PLC0415

        return run_app(url, paths, smoke_test=args.smoke_test, starting=starting)
    try:
        return _run_command(args, database_url(args, paths), paths)
    except CrmError as exc:
        print(f"crm-desktop: {exc.message}", file=sys.stderr)
        return 1


def _run_command(args: argparse.Namespace, url: str, paths: AppPaths) -> int:
    from crm_desktop import cli_backup, cli_server, cli_transfer, cli_users  # noqa: PLC0415
    from crm_desktop.storage.database import Database  # noqa: PLC0415
    from crm_desktop.storage.schema import current_revision, head_revision, upgrade  # noqa: PLC0415

    database = Database(url)
    try:
        if args.command == "db":
            if args.db_command == "current":
                current = current_revision(database)
                head = head_revision()
                state = "up to date" if current == head else f"this version expects {head}"
                print(f"{current or 'empty'} ({state})")
                return 0
            backup = upgrade(database, paths.backup_dir)
            if backup:
                print(f"backed up to {backup}")
            print(f"database is at schema {current_revision(database)}")
            return 0
        if args.command == "demo-data":
            return _demo_data(database, args, paths)
        if args.command == "follow-ups":
            return _export_follow_ups(database, args)
        if args.command == "invoice":
            return _invoice(database, args)
        if args.command in {"backup", "restore"}:
            return cli_backup.run(database, args, paths)
        if args.command == "server":
            return cli_server.run(database, args)
        if args.command in {"import", "export", "users"}:
            if not _schema_is_current(database):
                return 2
            if args.command == "users":
                return cli_users.run(database, args)
            run = cli_transfer.run_import if args.command == "import" else \
                cli_transfer.run_export
            return run(database, args)
    finally:
        database.dispose()
    raise AssertionError(f"unhandled command {args.command}")


def _demo_data(database: Database, args: argparse.Namespace, paths: AppPaths) -> int:
    # Faker is only needed here; keep it out of every other start-up.
    from crm_desktop.demo_data import generate  # noqa: PLC0415
    from crm_desktop.storage.schema import upgrade  # noqa: PLC0415

    if args.customers < 1:
        print("crm-desktop: --customers must be at least 1", file=sys.stderr)
        return 2
    upgrade(database, paths.backup_dir)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,} / {total:,} customers", end="", file=sys.stderr, flush=True)

    result = generate(database, args.customers, history_per_customer=args.history_per_customer,
                      seed=args.seed, progress=progress)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    print(f"added {result.customers:,} customers, {result.history:,} history entries, "
          f"{result.orders:,} orders, {result.invoices:,} invoices, "
          f"{result.follow_ups:,} follow-ups in {elapsed:.1f} s")
    return 0


def _schema_is_current(database: Database) -> bool:
    from crm_desktop.storage.schema import current_revision, head_revision  # noqa: PLC0415

    if current_revision(database) == head_revision():
        return True
    print("crm-desktop: the database is not at this version's schema; run "
          "“crm-desktop db upgrade” first", file=sys.stderr)
    return False


def _invoice(database: Database, args: argparse.Namespace) -> int:
    from crm_desktop.actor import SYSTEM  # noqa: PLC0415
    from crm_desktop.printing import print_pdf  # noqa: PLC0415
    from crm_desktop.services.invoices.invoice_service import InvoiceService  # noqa: PLC0415

    if not _schema_is_current(database):
        return 2
    invoices = InvoiceService(database)
    if args.invoice_command == "pdf":
        invoice = invoices.by_number(args.number)
        args.output.write_bytes(invoices.pdf(invoice.id))
        print(f"wrote {invoice.title} to {args.output}")
        return 0
    actor = SYSTEM  # the command line runs on the machine holding the database
    waiting = invoices.unprinted()
    for done, invoice_id in enumerate(waiting, start=1):
        invoice = invoices.get(invoice_id)
        answer = print_pdf(invoices.pdf(invoice_id), title=invoice.title, printer=args.printer)
        # Marked one by one: if the printer stops halfway, what did print stays marked.
        invoices.mark_printed([invoice_id], actor)
        print(f"[{done}/{len(waiting)}] {invoice.title} for {invoice.customer_name}: {answer}")
    print(f"printed {len(waiting):,} invoice(s)" if waiting else "nothing to print")
    return 0


def _export_follow_ups(database: Database, args: argparse.Namespace) -> int:
    # Loaded here, like Faker above: only this command needs them.
    from crm_desktop.services.admin.settings_service import SettingsService  # noqa: PLC0415
    from crm_desktop.services.admin.user_service import UserService  # noqa: PLC0415
    from crm_desktop.services.follow_ups.calendar_export import follow_ups_to_ics  # noqa: PLC0415
    from crm_desktop.services.follow_ups.follow_up_service import (  # noqa: PLC0415
        FollowUpService,
        TodayScope,
    )

    if not _schema_is_current(database):
        return 2
    scope = TodayScope(None)
    if args.user:
        wanted = args.user.casefold()
        found = [u for u in UserService(database).list_all()
                 if u.display_name.casefold() == wanted]
        if not found:
            print(f"crm-desktop: nobody here is called “{args.user}”", file=sys.stderr)
            return 2
        scope = TodayScope(found[0].id, include_unassigned=False)
    items = FollowUpService(database).open_for_export(scope)
    shop = SettingsService(database).business().shop_name
    args.ics.write_bytes(follow_ups_to_ics(items, shop_name=shop, now=database.clock()))
    print(f"wrote {len(items):,} open follow-ups to {args.ics}")
    return 0
