"""Two checks the services share when a person acts on something already saved."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from crm_desktop.errors import ConflictError, NotFoundError, ValidationError
from crm_desktop.models import User


class _Versioned(Protocol):
    version: int


T = TypeVar("T", bound=_Versioned)


def load_current(session: Session, model: type[T], row_id: int, expected_version: int,
                 what: str) -> T:
    """The row as the person last saw it; otherwise a clear NotFound or Conflict."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"That {what} no longer exists.")
    if row.version != expected_version:
        raise ConflictError(f"Someone else changed this {what} after you opened it. Nothing "
                            "was saved; it now shows their change.")
    return row


def active_user(session: Session, user_id: int, *, field: str, cannot: str) -> User:
    """The user, who must still be switched on to be given work (``cannot``: what a
    switched-off person cannot do, for the message)."""
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError.single(field, "That person no longer exists.")
    if not user.active:
        raise ValidationError.single(field, f"{user.display_name} has been switched off and "
                                            f"cannot {cannot}.")
    return user
