"""Who is acting. Every write names its actor so the audit trail and role checks can use it."""

from __future__ import annotations

from dataclasses import dataclass

from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models.enums import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    display_name: str
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER

    def require_owner(self, what: str) -> None:
        if not self.is_owner:
            raise PermissionDeniedError(f"Only the shop owner can {what}.")


# The app itself, for writes no person made: first-run set-up, migrations, demo data.
SYSTEM = Actor(user_id=None, display_name="CRM Desktop", role=Role.OWNER)
