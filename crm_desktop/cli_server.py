"""``crm-desktop server move --to URL``: the shop moves from its SQLite file into a shared
PostgreSQL database, verified to the row (``storage/move_shop.py``)."""

from __future__ import annotations

import argparse
import sys

from crm_desktop.storage.database import Database


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser("server", help="the shared PostgreSQL database for two desks")
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    move = actions.add_parser(
        "move", help="copy this shop (its SQLite database) into an empty PostgreSQL "
                     "database and check the copy row by row; the SQLite file is kept as it is")
    move.add_argument("--to", required=True, metavar="URL",
                      help="e.g. postgresql+psycopg://crm@192.168.1.20/crm")


def run(database: Database, args: argparse.Namespace) -> int:
    from crm_desktop.storage.move_shop import move_shop  # noqa: PLC0415

    target = Database(args.to)
    try:
        def progress(done: int, total: int) -> None:
            print(f"\rmoved {done:,} of {total:,} rows", end="", file=sys.stderr, flush=True)

        report = move_shop(database, target, progress=progress)
    finally:
        target.dispose()
    print(file=sys.stderr)
    for table in report.tables:
        if table.rows:
            print(f"{table.name:<24} {table.rows:>10,} rows  sha256 {table.checksum[:16]}…")
    print(f"moved and checked {report.rows:,} rows into {target.describe()}; "
          f"{database.describe()} is kept unchanged as a backup.\n"
          f"Start each desk with --database {target.describe()} (the password as you set it).")
    return 0
