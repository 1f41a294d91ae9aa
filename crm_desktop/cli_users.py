"""``crm-desktop users …``: the people who use the app, from the command line.

For the owner who has locked themself out: it needs the database itself (the SQLite file on
this machine, or the shared server's address and password), so it acts with the machine's
authority, and its changes are on the audit trail as the app's own. Passwords are asked for
at a prompt that does not echo them, never taken as an argument (which the shell's history
and the process list would keep).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from crm_desktop.actor import SYSTEM
from crm_desktop.errors import ValidationError
from crm_desktop.models import Role
from crm_desktop.permissions import ROLE_LABELS
from crm_desktop.storage.database import Database

Prompt = Callable[[str], str]


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="the people who use the app")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="everyone, with their role and state")
    add = actions.add_parser("add", help="add a person with a first password (prompted)")
    add.add_argument("name", metavar="NAME", help="their full name, e.g. 'Rita Reception'")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    reset = actions.add_parser(
        "reset-password", help="give a person a new password (prompted); anyone but an owner "
                               "must change it at the next sign-in")
    reset.add_argument("name", metavar="NAME", help="their user name or full name")


def _new_password(prompt: Prompt) -> str:
    first = prompt("New password: ")
    if first != prompt("Repeat it: "):
        raise ValidationError.single("password", "The two passwords differ; nothing changed.")
    return first


def run(database: Database, args: argparse.Namespace, *, prompt: Prompt | None = None) -> int:
    from crm_desktop.services.admin.user_service import UserService  # noqa: PLC0415

    prompt = prompt or getpass.getpass
    users = UserService(database)
    if args.users_command == "list":
        for user in users.list_all():
            state = "switched off" if not user.active else (
                "first password" if user.must_change_password else
                "no password" if not user.has_password else "")
            print(f"{user.username:<24} {user.display_name:<30} "
                  f"{ROLE_LABELS[user.role]:<20} {state}".rstrip())
        return 0
    if args.users_command == "add":
        added = users.add(args.name, Role(args.role), SYSTEM,
                          first_password=_new_password(prompt))
        print(f"added {added.display_name}: signs in as {added.username}, and chooses their "
              "own password then")
        return 0
    person = users.find(args.name)
    if person is None:
        print(f"crm-desktop: nobody called {args.name!r} uses this shop's app; "
              "`crm-desktop users list` shows who does", file=sys.stderr)
        return 1
    reset = users.reset_password(person.id, _new_password(prompt), SYSTEM)
    if reset.must_change_password:
        print(f"{reset.display_name} signs in with it once, then chooses their own")
    else:
        print(f"{reset.display_name}'s password is changed")
    return 0
