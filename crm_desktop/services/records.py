"""What the services share when a person acts on something already saved: two checks, and
the live customers among a list of ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm_desktop.errors import ConflictError, NotFoundError, ValidationError
from crm_desktop.models import Customer, User, customer_name


class _Versioned(Protocol):
    version: int


T = TypeVar("T", bound=_Versioned)
V = TypeVar("V")


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


_IN_CHUNK = 500  # ids per IN list: well within what SQLite and PostgreSQL take in one statement


def user_name(session: Session, user_id: int | None) -> str:
    """A person's name as the shop knows it ("" for none, or the app itself)."""
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else ""


def in_chunks(values: Sequence[V]) -> Iterator[list[V]]:
    """``values`` (ids, keys) a few hundred at a time, for one ``IN (…)`` query each."""
    for start in range(0, len(values), _IN_CHUNK):
        yield list(values[start:start + _IN_CHUNK])


def customer_names(session: Session, customer_ids: Sequence[int]) -> dict[int, str]:
    """Each customer's name as shown everywhere, by id (an id no longer there is left out)."""
    names: dict[int, str] = {}
    for chunk in in_chunks(customer_ids):
        for cid, first, last, company in session.execute(
                select(Customer.id, Customer.first_name, Customer.last_name, Customer.company)
                .where(Customer.id.in_(chunk))):
            names[cid] = customer_name(first, last, company, cid)
    return names


def live_customer_ids(session: Session, customer_ids: Sequence[int] | None,
                      *criteria: ColumnElement[Any]) -> list[int]:
    """The customers neither in the trash nor erased (and meeting ``criteria``): all of them
    in the list's order, or those among ``customer_ids`` by id. An id no INTEGER column can
    hold is nobody's."""
    query = select(Customer.id).where(Customer.deleted_at.is_(None),
                                      Customer.erased_at.is_(None), *criteria)
    if customer_ids is None:
        return list(session.scalars(query.order_by(Customer.sort_name, Customer.id)))
    wanted = sorted({i for i in customer_ids if 1 <= i < 2**31})
    return [i for chunk in in_chunks(wanted)
            for i in session.scalars(query.where(Customer.id.in_(chunk)))]
