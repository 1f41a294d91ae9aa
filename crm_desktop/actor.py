"""Who is acting. Every write names its actor, so the audit trail can say who made it.

An actor is a person's id and the name to show; it carries no role. What a person may do is
read from the database in the transaction of each action (``crm_desktop.permissions``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    display_name: str


# The app itself, for writes no person made: first-run set-up, migrations, demo data, and the
# command line (which needs the machine holding the database file). Only this very object is
# let through without a person: an equal one built elsewhere is refused.
SYSTEM = Actor(user_id=None, display_name="CRM Desktop")
