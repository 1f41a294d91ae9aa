"""Who may do what: the one table of every action a person can take, and the check the
services make against the database, in the same transaction as the action itself.

The README's table of roles is generated from ``ROLE_PERMISSIONS`` (``python -m
crm_desktop.permissions``), so the two cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models import User
from crm_desktop.models.enums import Role


class Permission(StrEnum):
    """An action, worded to complete "… may <action>"."""

    WORK_WITH_CUSTOMERS = "add and edit customers, their notes and their history"
    DELETE_CUSTOMERS = "move customers to the trash and restore them"
    PURGE_CUSTOMERS = "empty the trash (delete customers for good)"
    TAKE_ORDERS = "take orders and change the products on sale"
    ISSUE_INVOICES = "prepare, issue and print invoices"
    RECORD_PAYMENTS = "record payments"
    CREDIT_INVOICES = "issue credit notes"
    VOID_INVOICES = "void invoices"
    FOLLOW_UP = "plan and complete follow-ups"
    HANDLE_QUERIES = "log and move queries, complaints and wins"
    SEND_POST = "print envelopes, address labels, letters and cards"
    SEE_REVENUE = "see revenue figures"
    CHANGE_SETTINGS = "change the shop's settings, note templates and categories"
    MANAGE_PEOPLE = "add people, switch them off and reset their passwords"
    IMPORT_CUSTOMERS = "import customers"
    UNDO_IMPORT = "undo an import"
    EXPORT_EVERYTHING = "export customers and the whole shop"
    HANDLE_PERSONAL_DATA = "export or erase a customer's personal data on their request"
    BACK_UP = "back the shop up now"
    RESTORE_BACKUP = "restore a backup or look inside one"
    READ_AUDIT_LOG = "read the shop's audit log"
    SHARE_SHOP = "share the shop with another desk (move it to a shared database)"


_DAY_TO_DAY = frozenset({
    Permission.WORK_WITH_CUSTOMERS, Permission.DELETE_CUSTOMERS, Permission.TAKE_ORDERS,
    Permission.ISSUE_INVOICES, Permission.RECORD_PAYMENTS, Permission.FOLLOW_UP,
    Permission.HANDLE_QUERIES, Permission.SEND_POST, Permission.BACK_UP,
})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.RECEPTIONIST: _DAY_TO_DAY,
    # A bookkeeper, say: reads everything, including the figures, and changes nothing.
    Role.VIEWER: frozenset({Permission.SEE_REVENUE}),
}

ROLE_LABELS: dict[Role, str] = {
    Role.OWNER: "Owner",
    Role.RECEPTIONIST: "Receptionist",
    Role.VIEWER: "Viewer (read only)",
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def who_may(permission: Permission) -> str:
    """ "Only the owner can void invoices." — for refusals and for disabled buttons."""
    roles = [ROLE_LABELS[r].split(" (")[0].casefold() for r in Role if allows(r, permission)]
    if roles == ["owner"]:
        return f"Only the shop owner can {permission.value}."
    return f"Only the {' and the '.join(roles)} can {permission.value}."


def authorize(session: Session, user_id: int | None, permission: Permission | None) -> tuple[
        int, str, Role]:
    """Check, inside ``session``'s transaction, that person ``user_id`` exists, is switched
    on and (when ``permission`` is given) holds it. Returns (id, name, role) as the database
    has them: whatever role a caller believes it has plays no part."""
    known = user_id is not None and 1 <= user_id < 2**31  # what an INTEGER key can hold
    user = session.get(User, user_id) if known else None
    if user is None:
        raise PermissionDeniedError(
            "This person is not known to the shop (any more). Sign in again.")
    if not user.active:
        raise PermissionDeniedError(
            f"{user.display_name}'s account is switched off, so nothing can be done in "
            "their name. The owner can switch it on again.")
    if permission is not None and not allows(user.role, permission):
        raise PermissionDeniedError(who_may(permission))
    return user.id, user.display_name, user.role


def markdown_table() -> str:
    """The README's table: every action, and which roles may take it."""
    roles = list(Role)
    lines = ["| Action | " + " | ".join(ROLE_LABELS[r] for r in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for permission in Permission:
        marks = " | ".join("yes" if allows(r, permission) else "—" for r in roles)
        lines.append(f"| {permission.value[0].upper()}{permission.value[1:]} | {marks} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
