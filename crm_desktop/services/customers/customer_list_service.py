"""The customer list's read side: filtering, sorting and paging in SQL.

Pages are fetched by keyset (``WHERE (sort, id) > (last_sort, last_id)``) when the previous
page is known, which stays fast at any depth; a jump falls back to OFFSET, counted from
whichever end of the sort index is nearer. A search is ranked once (``search``: the ids of
the best matches) and shown a page of ids at a time (``rows``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, select, tuple_
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

    @property
    def is_search(self) -> bool:
        """Whether text was typed that ranks the list (a space or a dash alone is not)."""
        return not parse(self.text).is_empty


@dataclass(frozen=True)
class CustomerRow:
    id: int
    display_name: str
    company: str
    status: CustomerStatus  # as shown: quiet customers are inactive
    lost_reason: str
    owner_name: str
    phone_number: str  # E.164, as stored
    region: str  # the shop's country: its numbers are shown the national way
    email: str
    tags: tuple[str, ...]
    last_contact_at: datetime | None
    next_follow_up_at: datetime | None
    lifetime_value: Decimal
    sort_value: Any  # the value the list is sorted by, for keyset paging

    @property
    def number(self) -> str:
        return customer_number(self.id)

    @property
    def phone(self) -> str:
        """The primary phone as people write it; formatted only when a row is painted."""
        return display_phone(self.phone_number, self.region) if self.phone_number else ""


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

    def _shop(self) -> tuple[datetime, str]:
        """The quiet-period cutoff and the shop's country (its phone rule): one read of the
        settings for a whole list read."""
        settings = self._settings.business()
        return quiet_since(self._db.clock(), settings.inactive_after_days), settings.country

    def count(self, filters: CustomerFilter, *, most: int | None = None) -> int:
        """How many customers the list shows; a search counts at most SEARCH_LIMIT.
        ``most``: stop counting there (the list shows that many at once and counts the
        rest of a million on a worker)."""
        if filters.is_search:
            return len(self.search(filters))
        shop = self._shop()[0]
        if most is None:
            query = self._where(select(func.count()).select_from(Customer), filters, shop)
        else:
            first = self._where(select(Customer.id), filters, shop).limit(most).subquery()
            query = select(func.count()).select_from(first)
        with self._db.read() as session:
            return int(session.scalar(query) or 0)

    def matching_ids(self, filters: CustomerFilter) -> list[int]:
        """Every customer the list shows for ``filters``, in name order (a search: its
        matches, best first): what *Export…* takes from the current filter."""
        if filters.is_search:
            return self.search(filters)
        query = self._where(select(Customer.id), filters, self._shop()[0]).order_by(
            Customer.sort_name, Customer.id)
        with self._db.read() as session:
            return list(session.scalars(query))

    def search(self, filters: CustomerFilter, sort: SortKey = SortKey.NAME, *,
               descending: bool = False) -> list[int]:
        """The ids of the best matches for a search, best first (at most SEARCH_LIMIT),
        which the list pages through with ``rows``. Matches of equal rank are ordered by the
        chosen column."""
        return self.search_page(filters, sort, descending=descending, limit=0)[0]

    def search_page(self, filters: CustomerFilter, sort: SortKey = SortKey.NAME, *,
                    descending: bool = False, limit: int = 60
                    ) -> tuple[list[int], list[CustomerRow]]:
        """A keystroke's whole read, in one session: ``search``'s ids and the rows of the
        first ``limit`` of them."""
        terms = parse(filters.text)
        if terms.is_empty:
            return [], []
        cutoff, country = self._shop()
        query = (self._ranked(select(Customer.id), filters, terms, cutoff)
                 .order_by(relevance(terms), *self._order(sort, descending))
                 .limit(SEARCH_LIMIT))
        with self._db.read() as session:
            ranked = list(session.scalars(query))
            return ranked, self._rows_in(session, ranked[:limit], sort, cutoff, country)

    def page(
        self,
        filters: CustomerFilter,
        sort: SortKey = SortKey.NAME,
        *,
        descending: bool = False,
        offset: int = 0,
        limit: int = 200,
        after: CustomerRow | None = None,
        total: int | None = None,
    ) -> list[CustomerRow]:
        """A page of the list. ``total`` (the count the list shows) lets a jump into the
        second half count back from the end on the same index, reversed: the last page of
        100,000 then costs what the first does instead of walking 100,000 index entries."""
        if filters.is_search:
            ranked = self.search(filters, sort, descending=descending)
            return self.rows(ranked[offset:offset + limit])
        if (after is None and total is not None and sort in _KEYSET_SAFE
                and offset > total // 2 and offset < total):
            wanted = min(limit, total - offset)
            from_end = total - offset - wanted
            return self._index_page(filters, sort, descending=not descending,
                                    offset=from_end, limit=wanted, after=None)[::-1]
        return self._index_page(filters, sort, descending=descending, offset=offset,
                                limit=limit, after=after)

    def _index_page(self, filters: CustomerFilter, sort: SortKey, *, descending: bool,
                    offset: int, limit: int, after: CustomerRow | None) -> list[CustomerRow]:
        sort_col = _SORT_COLUMNS[sort]
        cutoff, country = self._shop()
        # Deferred join: pick the page's ids from the sort index first, then fetch details
        # for those rows only (an OFFSET would otherwise compute every skipped row in full).
        ids = self._where(select(Customer.id.label("id")), filters, cutoff)
        if after is not None and sort in _KEYSET_SAFE:
            key = tuple_(sort_col, Customer.id)
            bound = tuple_(after.sort_value, after.id)
            ids = ids.where(key < bound if descending else key > bound)
        elif offset:
            ids = ids.offset(offset)
        order = self._order(sort, descending)
        page_ids = ids.order_by(*order).limit(limit).subquery()
        query = (self._details(sort_col, cutoff)
                 .join(page_ids, page_ids.c.id == Customer.id).order_by(*order))
        with self._db.read() as session:
            return self._make_rows(session, session.execute(query).all(), country)

    def rows(self, ids: Sequence[int], sort: SortKey = SortKey.NAME) -> list[CustomerRow]:
        """These customers' rows, in the order given (a page of ``search``'s ids)."""
        if not ids:
            return []
        cutoff, country = self._shop()
        with self._db.read() as session:
            return self._rows_in(session, ids, sort, cutoff, country)

    def _rows_in(self, session: Session, ids: Sequence[int], sort: SortKey, cutoff: datetime,
                 country: str) -> list[CustomerRow]:
        if not ids:
            return []
        query = self._details(_SORT_COLUMNS[sort], cutoff).where(Customer.id.in_(ids))
        found = {row.id: row for row in self._make_rows(
            session, session.execute(query).all(), country)}
        return [found[i] for i in ids if i in found]

    @staticmethod
    def _order(sort: SortKey, descending: bool) -> tuple[ColumnElement[Any], ...]:
        sort_col = _SORT_COLUMNS[sort]
        column_order = sort_col.desc() if descending else sort_col.asc()
        if sort not in _KEYSET_SAFE:
            # Customers never contacted (NULL) go last whichever way the list is sorted.
            column_order = column_order.nulls_last()
        return column_order, Customer.id.desc() if descending else Customer.id.asc()

    @staticmethod
    def _details(sort_col: Any, cutoff: datetime) -> Select[Any]:
        return (
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
            .outerjoin(User, User.id == Customer.owner_id)
        )

    def _make_rows(self, session: Session, rows: Sequence[Any], country: str
                   ) -> list[CustomerRow]:
        tags = self._tags(session, [r[0] for r in rows])
        return [
            CustomerRow(
                id=r[0],
                display_name=" ".join(p for p in (r[1], r[2]) if p) or r[3] or f"#{r[0]}",
                company=r[3] or "",
                status=CustomerStatus(r[4]),
                lost_reason=r[12] or "",
                owner_name=r[5] or "",
                phone_number=r[6] or "",
                region=country,
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
        narrowed = filters != CustomerFilter(text=filters.text)
        pool = candidate_pool(terms, self._dialect,
                              only=self._conditions(filters, cutoff) if narrowed else ())
        return self._where(
            query.join(CustomerSearch, CustomerSearch.customer_id == Customer.id)
            .where(Customer.id.in_(pool)),
            filters,
            cutoff,
        )

    @classmethod
    def _where(cls, query: _Query, filters: CustomerFilter, cutoff: datetime) -> _Query:
        return query.where(and_(*cls._conditions(filters, cutoff)))

    @staticmethod
    def _conditions(filters: CustomerFilter, cutoff: datetime) -> list[ColumnElement[bool]]:
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
        return conditions
