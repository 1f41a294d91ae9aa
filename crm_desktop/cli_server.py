"""``crm-desktop server setup``: a PostgreSQL server on this computer made ready for two desks
(``storage/server_setup.py``); ``crm-desktop server move --to URL``: the shop moves from its
SQLite file into it, verified to the row (``storage/move_shop.py``)."""

from __future__ import annotations

import argparse
import sys

from crm_desktop.storage.database import Database


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser("server", help="the shared PostgreSQL database for two desks")
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    setup = actions.add_parser(
        "setup", help="make the PostgreSQL server on this computer ready for the shop's desks "
                      "(run it as the server's administrator: sudo -u postgres crm-desktop "
                      "server setup); prints the connection code and password for the desks")
    setup.add_argument("--admin", default=None, metavar="CONNINFO",
                       help="the administrator's connection, e.g. 'host=localhost user=postgres' "
                            "(default: the postgres user through the local socket, or "
                            "PGHOST/PGPORT/PGUSER); a password from PGPASSWORD")
    setup.add_argument("--name", default="crm", help="the shop's database and role (crm)")
    setup.add_argument("--host", default=None,
                       help="the address the desks use (default: this computer's on the LAN)")
    setup.add_argument("--subnet", default=None,
                       help="who may connect, e.g. 192.168.1.0/24 (default: this computer's)")
    move = actions.add_parser(
        "move", help="copy this shop (its SQLite database) into an empty PostgreSQL "
                     "database and check the copy row by row; the SQLite file is kept as it is")
    move.add_argument("--to", required=True, metavar="URL",
                      help="e.g. postgresql+psycopg://crm@192.168.1.20/crm")


def run(database: Database, args: argparse.Namespace) -> int:
    if args.server_command == "setup":
        return _setup(args)
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
          f"Start each desk with --database {target.url.render_as_string(hide_password=True)} "
          "(the password as you set it).")
    return 0


def _setup(args: argparse.Namespace) -> int:
    from crm_desktop.storage import server_setup  # noqa: PLC0415
    from crm_desktop.storage.shared_shop import (  # noqa: PLC0415
        code_square,
        connection_code,
        fingerprint_text,
    )

    try:
        shared = server_setup.set_up(
            args.admin, name=args.name, host=args.host,
            subnet=args.subnet, step=lambda text: print(text, file=sys.stderr, flush=True))
    except server_setup.NeedsServerAdminError as exc:
        print(f"crm-desktop: {exc.message}\n    {exc.command}", file=sys.stderr)
        return 1
    link = shared.link
    print(f"\nThe shop's database is ready at {link.host}:{link.port} (database and role "
          f"'{link.database}', TLS on, desks of {shared.subnet} only).\n\n"
          f"Connection code:  {connection_code(link)}\n"
          f"Password:         {shared.password}\n"
          f"Fingerprint:      {fingerprint_text(link.fingerprint)}\n\n"
          f"{code_square(connection_code(link))}\n\n"
          "Keep the password safe: it is shown this once. At each desk choose File → Connect "
          "to a shared shop… and type the code (or scan the square above with the camera) and "
          "the password; on the desk that holds the shop's data so far, choose File → Share "
          "this shop with another desk… → 'The setup ran in a terminal' to move its data in "
          "first.")
    return 0
