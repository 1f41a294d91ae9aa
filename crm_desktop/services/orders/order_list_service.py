"""The order list across customers: newest first, filtered in SQL, paged by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, tuple_

from crm_desktop.formatting import local_zone
from crm_desktop.models import Customer, Order, OrderLine, OrderState, Product, customer_name
from crm_desktop.services.customers.customer_search import candidate_pool, parse
from crm_desktop.storage.database import Database
from crm_desktop.validation import fold, search_words


@dataclass(frozen=True)
class OrderFilter:
    state: OrderState | None = None
    since: date | None = None  # ordered on or after, local date
    until: date | None = None  # ordered on or before
    text: str = ""  # a customer (as in the search box) or a product (SKU or words)
    customer_id: int | None = None


@dataclass(frozen=True)
class OrderRow:
    id: int
    customer_id: int
    customer_name: str
    state: OrderState
    ordered_at: datetime
    lines: int
    first_line: str
    gross_total: Decimal
    currency: str


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


class OrderListService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._dialect = database.engine.dialect.name

    def count(self, filters: OrderFilter) -> int:
        with self._db.read() as session:
            query = self._where(select(func.count()).select_from(Order), filters)
            return int(session.scalar(query) or 0)

    def page(self, filters: OrderFilter, *, offset: int = 0, limit: int = 200,
             after: OrderRow | None = None) -> list[OrderRow]:
        # Deferred join: the page's ids from the (ordered_at, id) index, then their details.
        ids = self._where(select(Order.id.label("id")), filters)
        if after is not None:
            ids = ids.where(tuple_(Order.ordered_at, Order.id)
                            < tuple_(after.ordered_at, after.id))
        elif offset:
            ids = ids.offset(offset)
        newest_first = (Order.ordered_at.desc(), Order.id.desc())
        page_ids = ids.order_by(*newest_first).limit(limit).subquery()
        first_line = (select(OrderLine.description).where(OrderLine.order_id == Order.id)
                      .order_by(OrderLine.position).limit(1).scalar_subquery())
        line_count = (select(func.count()).where(OrderLine.order_id == Order.id)
                      .scalar_subquery())
        query = (
            select(Order.id, Order.customer_id, Customer.first_name, Customer.last_name,
                   Customer.company, Order.state, Order.ordered_at, line_count, first_line,
                   Order.gross_total, Order.currency)
            .join(page_ids, page_ids.c.id == Order.id)
            .join(Customer, Customer.id == Order.customer_id)
            .order_by(*newest_first)
        )
        with self._db.read() as session:
            rows = session.execute(query).all()
        return [OrderRow(r[0], r[1], customer_name(r[2], r[3], r[4], r[1]),
                         r[5], r[6], int(r[7]), r[8] or "", r[9], r[10]) for r in rows]

    def _where(self, query: Select[Any], filters: OrderFilter) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = []
        if filters.state is not None:
            conditions.append(Order.state == filters.state)
        if filters.customer_id is not None:
            conditions.append(Order.customer_id == filters.customer_id)
        if filters.since is not None:
            conditions.append(Order.ordered_at >= _local_start(filters.since))
        if filters.until is not None:
            conditions.append(Order.ordered_at < _local_start(filters.until + timedelta(1)))
        text = search_words(filters.text)
        if text:
            terms = parse(text)
            like = f"%{fold(text).replace('%', '').replace('_', '')}%"
            # Products through the (small) catalogue and the product index; descriptions are
            # searched only on free-text lines, so 100,000s of lines are never scanned.
            products = select(Product.id).where(or_(func.lower(Product.name).like(like),
                                                    func.lower(Product.sku).like(like)))
            matches: list[ColumnElement[bool]] = [
                Order.id.in_(select(OrderLine.order_id)
                             .where(OrderLine.product_id.in_(products))),
                Order.id.in_(select(OrderLine.order_id).where(
                    OrderLine.product_id.is_(None),
                    func.lower(OrderLine.description).like(like))),
            ]
            if not terms.is_empty:
                matches.append(Order.customer_id.in_(candidate_pool(terms, self._dialect)))
            conditions.append(or_(*matches))
        return query.where(*conditions) if conditions else query
