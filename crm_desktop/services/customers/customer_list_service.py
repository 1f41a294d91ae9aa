"""The customer list's read side: filtering, sorting and paging in SQL.

Pages are fetched by keyset (``WHERE (sort, id) > (last_sort, last_id)``) when the previous
page is known, which stays fast at any depth; a jump into the middle falls back to OFFSET.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, tuple_
from sqlalchemy.orm import Session

from crm_desktop.models import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerSearch,
    CustomerStatus,
    Tag,
    User,
    customer_tags,
)
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_search import (
    SEARCH_LIMIT,
    SearchTerms,
    candidate_pool,
    parse,
    relevance,
)
from crm_desktop.services.customers.customer_service import customer_number
from crm_desktop.services.customers.lifecycle import effective_status, quiet_since, status_is
from crm_desktop.storage.database import Database
from crm_desktop.validation import display_phone, fold, search_words

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class SortKey(StrEnum):
    NAME = "name"
    STATUS = "status"
    LAST_CONTACT = "last_contact"
    NEXT_FOLLOW_UP = "next_follow_up"
    LIFETIME_VALUE = "lifetime_value"


_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.NAME: Customer.sort_name,
    SortKey.STATUS: Customer.status,
    SortKey.LAST_CONTACT: Customer.last_contact_at,
    SortKey.NEXT_FOLLOW_UP: Customer.next_follow_up_at,
    SortKey.LIFETIME_VALUE: Customer.lifetime_value,
}
# Nullable sort columns cannot be compared as keyset tuples portably; they page by OFFSET.
_KEYSET_SAFE = {SortKey.NAME, SortKey.STATUS, SortKey.LIFETIME_VALUE}


@dataclass(frozen=True)
class CustomerFilter:
    text: str = ""
    status: CustomerStatus | None = None
    tag: str | None = None
    owner_id: int | None = None


@dataclass(frozen=True)
class CustomerRow:
    id: int
    display_name: str
    company: str
    status: CustomerStatus  # as shown: quiet customers are inactive
    lost_reason: str
    owner_name: str
    phone: str
    email: str
    tags: tuple[str, ...]
    last_contact_at: datetime | None
    next_follow_up_at: datetime | None
    lifetime_value: Decimal
    sort_value: Any  # the value the list is sorted by, for keyset paging

    @property
    def number(self) -> str:
        return customer_number(self.id)


def _primary(kind: ContactKind) -> Any:
    """The primary phone (E.164, formatted on read) or e-mail of the customer."""
    return (
        select(ContactPoint.normalized if kind is ContactKind.PHONE else ContactPoint.value)
        .where(
            ContactPoint.customer_id == Customer.id,
            ContactPoint.kind == kind,
            ContactPoint.is_primary,
        )
        .limit(1)
        .scalar_subquery()
    )


class CustomerListService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._dialect = database.engine.dialect.name
        self._settings = SettingsService(database)

    def _cutoff(self) -> datetime:
        return quiet_since(self._db.clock(), self._settings.business().inactive_after_days)

    def count(self, filters: CustomerFilter) -> int:
        """How many customers the list shows; a search counts at most SEARCH_LIMIT."""
        terms = parse(filters.text)
        query: Select[Any]
        if terms.is_empty:
            query = self._where(select(func.count()).select_from(Customer), filters,
                                self._cutoff())
        else:
            matches = self._ranked(select(Customer.id), filters, terms,
                                   self._cutoff()).limit(SEARCH_LIMIT)
            query = select(func.count()).select_from(matches.subquery())
        with self._db.read() as session:
            return int(session.scalar(query) or 0)

    def page(
        self,
        filters: CustomerFilter,
        sort: SortKey = SortKey.NAME,
        *,
        descending: bool = False,
        offset: int = 0,
        limit: int = 200,
        after: CustomerRow | None = None,
    ) -> list[CustomerRow]:
        sort_col = _SORT_COLUMNS[sort]
        settings = self._settings.business()  # read once: the cutoff and the phone rule
        cutoff = quiet_since(self._db.clock(), settings.inactive_after_days)
        # Deferred join: pick the page's ids from the sort index first, then fetch details
        # for those rows only (an OFFSET would otherwise compute every skipped row in full).
        terms = parse(filters.text)
        score: ColumnElement[int]
        if terms.is_empty:
            score = literal(0)
            ids = self._where(select(Customer.id.label("id"), score.label("score")), filters,
                              cutoff)
            if after is not None and sort in _KEYSET_SAFE:
                key = tuple_(sort_col, Customer.id)
                bound = tuple_(after.sort_value, after.id)
                ids = ids.where(key < bound if descending else key > bound)
            elif offset:
                ids = ids.offset(offset)
        else:
            # Best matches first; the chosen column orders matches of equal rank.
            score = relevance(terms)
            ids = self._ranked(select(Customer.id.label("id"), score.label("score")), filters,
                               terms, cutoff).offset(offset)
            limit = max(0, min(limit, SEARCH_LIMIT - offset))
        column_order = sort_col.desc() if descending else sort_col.asc()
        if sort not in _KEYSET_SAFE:
            # Customers never contacted (NULL) go last whichever way the list is sorted.
            column_order = column_order.nulls_last()
        id_order = Customer.id.desc() if descending else Customer.id.asc()
        # Without a search every score is the same: ordering by it (a bound parameter to
        # SQLite) would stop the sort index from giving the order, and sort 100,000 rows.
        by_score = () if terms.is_empty else (score,)
        page_ids = ids.order_by(*by_score, column_order, id_order).limit(limit).subquery()
        query = (
            select(
                Customer.id,
                Customer.first_name,
                Customer.last_name,
                Customer.company,
                effective_status(cutoff),
                User.display_name,
                _primary(ContactKind.PHONE),
                _primary(ContactKind.EMAIL),
                Customer.last_contact_at,
                Customer.next_follow_up_at,
                Customer.lifetime_value,
                sort_col,
                Customer.lost_reason,
            )
            .join(page_ids, page_ids.c.id == Customer.id)
            .outerjoin(User, User.id == Customer.owner_id)
            .order_by(*(() if terms.is_empty else (page_ids.c.score,)), column_order, id_order)
        )
        with self._db.read() as session:
            rows = session.execute(query).all()
            tags = self._tags(session, [r[0] for r in rows])
        return [
            CustomerRow(
                id=r[0],
                display_name=" ".join(p for p in (r[1], r[2]) if p) or r[3] or f"#{r[0]}",
                company=r[3] or "",
                status=CustomerStatus(r[4]),
                lost_reason=r[12] or "",
                owner_name=r[5] or "",
                phone=display_phone(r[6], settings.country) if r[6] else "",
                email=r[7] or "",
                tags=tags.get(r[0], ()),
                last_contact_at=r[8],
                next_follow_up_at=r[9],
                lifetime_value=r[10],
                sort_value=r[11],
            )
            for r in rows
        ]

    @staticmethod
    def _tags(session: Session, ids: list[int]) -> dict[int, tuple[str, ...]]:
        if not ids:
            return {}
        found: dict[int, list[str]] = defaultdict(list)
        rows = session.execute(
            select(customer_tags.c.customer_id, Tag.name)
            .join(Tag, Tag.id == customer_tags.c.tag_id)
            .where(customer_tags.c.customer_id.in_(ids))
            .order_by(Tag.name_key)
        )
        for customer_id, name in rows:
            found[customer_id].append(name)
        return {k: tuple(v) for k, v in found.items()}

    def _ranked(self, query: _Query, filters: CustomerFilter, terms: SearchTerms,
                cutoff: datetime) -> _Query:
        """``query`` narrowed to the search's candidate pool, joined to its search row."""
        pool = candidate_pool(terms, self._dialect)
        return self._where(
            query.join(CustomerSearch, CustomerSearch.customer_id == Customer.id)
            .where(Customer.id.in_(pool)),
            filters,
            cutoff,
        )

    @staticmethod
    def _where(query: _Query, filters: CustomerFilter, cutoff: datetime) -> _Query:
        conditions: list[ColumnElement[bool]] = [Customer.deleted_at.is_(None)]
        if filters.status is not None:
            conditions.append(status_is(filters.status, cutoff))
        if filters.owner_id is not None:
            conditions.append(Customer.owner_id == filters.owner_id)
        if filters.tag:
            conditions.append(
                Customer.id.in_(
                    select(customer_tags.c.customer_id)
                    .join(Tag, Tag.id == customer_tags.c.tag_id)
                    .where(Tag.name_key == fold(search_words(filters.tag)))
                )
            )
        return query.where(and_(*conditions))


