"""Products and orders: exactly what each customer ordered, what reached them, what came back.

An order moves draft → confirmed → shipped → delivered → closed, or is cancelled before
anything was delivered. Lines can be delivered in parts and returned in parts (never more
than was delivered). Every step is an ``OrderEvent`` written with the change, which the
customer's timeline shows. Prices are copied onto the line when it is added: changing the
catalogue never changes an old order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, NotFoundError, ValidationError
from crm_desktop.models import (
    Customer,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderState,
    Product,
    RefundKind,
    User,
)
from crm_desktop.money import Totals, currency_decimals, decimals_of, line_net, totals
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers import lifecycle
from crm_desktop.services.follow_ups import follow_up_service
from crm_desktop.services.records import user_name
from crm_desktop.storage.database import Database
from crm_desktop.validation import (
    clean_multiline,
    clean_text,
    fold,
    gather,
    number_missing,
    search_words,
)

QUANTITY_DECIMALS = 3
MAX_LINES = 500
HUNDRED = Decimal(100)

# Which states each step may start from, and where it leads.
CAN_CONFIRM = {OrderState.DRAFT}
CAN_SHIP = {OrderState.CONFIRMED}
CAN_DELIVER = {OrderState.CONFIRMED, OrderState.SHIPPED}
CAN_RETURN = {OrderState.SHIPPED, OrderState.DELIVERED, OrderState.CLOSED}
CAN_CLOSE = {OrderState.DELIVERED}
CAN_CANCEL = {OrderState.DRAFT, OrderState.CONFIRMED, OrderState.SHIPPED}
# Orders that count towards what a customer bought.
SOLD_STATES = {OrderState.SHIPPED, OrderState.DELIVERED, OrderState.CLOSED}

REFUND_WORDS = {RefundKind.REFUND: "refunded", RefundKind.CREDIT: "credited"}

_Step = Callable[[Session, "Order", datetime], None]


# ---- products ----------------------------------------------------------------------------------


@dataclass
class ProductInput:
    sku: str
    name: str
    unit_price: Decimal | None  # None: not given (the form could not read it)
    tax_rate: Decimal | None
    unit: str = "pc"
    description: str = ""
    active: bool = True


@dataclass(frozen=True)
class ProductView:
    id: int
    version: int
    sku: str
    name: str
    description: str
    unit_price: Decimal
    tax_rate: Decimal
    unit: str
    active: bool

    def as_input(self) -> ProductInput:
        return ProductInput(self.sku, self.name, self.unit_price, self.tax_rate, self.unit,
                            self.description, self.active)


def _product_view(p: Product) -> ProductView:
    return ProductView(p.id, p.version, p.sku, p.name, p.description, p.unit_price,
                       p.tax_rate, p.unit, p.active)


# ---- orders --------------------------------------------------------------------------------------


@dataclass
class OrderLineInput:
    """One line of a draft. A product line may leave price, tax and text to the catalogue."""

    quantity: Decimal
    description: str = ""
    product_id: int | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal | None = None
    id: int | None = None


@dataclass(frozen=True)
class OrderLineView:
    id: int
    position: int
    product_id: int | None
    sku: str
    description: str
    quantity: Decimal
    delivered_quantity: Decimal
    returned_quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    return_reason: str
    returned_at: datetime | None
    refund_kind: RefundKind | None

    @property
    def outstanding(self) -> Decimal:
        """Still to be delivered."""
        return self.quantity - self.delivered_quantity

    def as_input(self) -> OrderLineInput:
        return OrderLineInput(self.quantity, self.description, self.product_id,
                              self.unit_price, self.discount_percent, self.tax_rate, self.id)


@dataclass(frozen=True)
class OrderEventView:
    at: datetime
    kind: OrderEventKind
    detail: str
    who: str


@dataclass(frozen=True)
class OrderView:
    id: int
    version: int
    customer_id: int
    customer_name: str
    state: OrderState
    currency: str
    ordered_at: datetime
    confirmed_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    notes: str
    lines: tuple[OrderLineView, ...]
    totals: Totals
    events: tuple[OrderEventView, ...] = field(default=())
    updated_at: datetime | None = None  # last saved, and by whom (for a side-by-side choice)
    updated_by_name: str = ""

    def draft(self) -> DraftInput:
        """Its lines and notes as a draft's form holds them."""
        return DraftInput([line.as_input() for line in self.lines], self.notes)

    @property
    def partly_delivered(self) -> bool:
        return any(line.delivered_quantity for line in self.lines) and \
            self.state in (OrderState.CONFIRMED, OrderState.SHIPPED)


@dataclass
class DraftInput:
    """What a draft's window edits: its lines and its notes."""

    lines: list[OrderLineInput]
    notes: str = ""


@dataclass(frozen=True)
class ReturnInput:
    line_id: int
    quantity: Decimal
    reason: str
    refund_kind: RefundKind
    returned_at: datetime | None = None


class OrderService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    # ---- catalogue ---------------------------------------------------------------------------

    def products(self, *, include_retired: bool = False, text: str = "") -> list[ProductView]:
        query = select(Product).order_by(Product.name, Product.id)
        if not include_retired:
            query = query.where(Product.active)
        with self._db.read() as session:
            found = [_product_view(p) for p in session.scalars(query)]
        wanted = fold(search_words(text))
        return [p for p in found if not wanted or wanted in fold(f"{p.sku} {p.name}")]

    def default_tax_rate(self) -> Decimal | None:
        """The rate a new product or a line typed by hand starts with (editable)."""
        return self._settings.business().standard_tax_rate

    def product(self, product_id: int) -> ProductView:
        with self._db.read() as session:
            return _product_view(_get_product(session, product_id))

    def create_product(self, data: ProductInput, actor: Actor) -> ProductView:
        clean = self._validate_product(data)
        with self._db.transaction(actor, Permission.TAKE_ORDERS) as session:
            self._check_sku_free(session, clean.sku, None)
            product = Product(**clean.__dict__)
            session.add(product)
            session.flush()
            return _product_view(product)

    def update_product(self, product_id: int, expected_version: int, data: ProductInput,
                       actor: Actor) -> ProductView:
        """Change the catalogue. Orders already placed keep the prices they were placed at."""
        clean = self._validate_product(data)
        with self._db.transaction(actor, Permission.TAKE_ORDERS) as session:
            product = _get_product(session, product_id)
            _check_version(product.version, expected_version, f"Product {product.sku}")
            self._check_sku_free(session, clean.sku, product_id)
            for key, value in clean.__dict__.items():
                setattr(product, key, value)
            session.flush()
            return _product_view(product)

    def _validate_product(self, data: ProductInput) -> ProductInput:
        errors: dict[str, str] = {}
        out = ProductInput(data.sku, data.name, data.unit_price, data.tax_rate, data.unit,
                           data.description, data.active)
        for key, label, limit, required in (("sku", "SKU", 40, True), ("name", "Name", 200, True),
                                            ("unit", "Unit", 20, True)):
            try:
                setattr(out, key, clean_text(key, label, getattr(data, key), max_length=limit,
                                             required=required))
            except ValidationError as exc:
                errors.update(exc.errors)
        out.description = gather(errors, lambda: clean_multiline(
            "description", "Description", data.description, max_length=5000), "")
        errors.update(self._price_errors("unit_price", data.unit_price))
        errors.update(tax_rate_errors("tax_rate", data.tax_rate))
        if errors:
            raise ValidationError(errors)
        out.sku = out.sku.upper()
        return out

    @staticmethod
    def _check_sku_free(session: Session, sku: str, product_id: int | None) -> None:
        clash = session.scalar(select(Product.id).where(func.upper(Product.sku) == sku))
        if clash is not None and clash != product_id:
            raise ValidationError.single("sku", f"Another product already has SKU {sku}.")

    def _price_errors(self, key: str, price: Decimal | None, label: str = "Price"
                      ) -> dict[str, str]:
        return price_errors(key, price, self._settings.business().currency, label)

    # ---- reading -------------------------------------------------------------------------------

    def get(self, order_id: int) -> OrderView:
        with self._db.read() as session:
            return _view(session, _load(session, order_id))

    def customer_orders(self, customer_id: int) -> list[OrderView]:
        """What has this customer ordered before? Newest first."""
        with self._db.read() as session:
            orders = session.scalars(
                select(Order).where(Order.customer_id == customer_id)
                .options(selectinload(Order.lines))
                .order_by(Order.ordered_at.desc(), Order.id.desc())
            ).all()
            return [_view(session, o, with_events=False) for o in orders]

    # ---- drafts --------------------------------------------------------------------------------

    def create_draft(self, customer_id: int, lines: Sequence[OrderLineInput], actor: Actor, *,
                     notes: str = "") -> OrderView:
        now = self._db.clock()
        with self._db.transaction(actor, Permission.TAKE_ORDERS) as session:
            customer = session.get(Customer, customer_id)
            if customer is None or customer.deleted_at is not None:
                raise NotFoundError("That customer no longer exists.")
            order = Order(customer_id=customer_id, state=OrderState.DRAFT, ordered_at=now,
                          currency=self._settings.business().currency, notes="")
            session.add(order)
            self._apply_lines(session, order, lines, notes)
            session.flush()
            _event(session, order, OrderEventKind.PLACED, now, actor,
                   detail=f"{len(order.lines)} line(s)")
            return _view(session, order)

    def update_draft(self, order_id: int, expected_version: int,
                     lines: Sequence[OrderLineInput], actor: Actor, *,
                     notes: str = "") -> OrderView:
        with self._db.transaction(actor, Permission.TAKE_ORDERS) as session:
            order = _load(session, order_id)
            _check_version(order.version, expected_version, f"Order {order_id}")
            if order.state is not OrderState.DRAFT:
                raise ValidationError.single(
                    "state", "Only a draft's lines can be changed; this order is "
                    f"{order.state.value}. Returns are recorded per line instead.")
            self._apply_lines(session, order, lines, notes)
            flag_modified(order, "updated_at")
            session.flush()
            return _view(session, order)

    def reorder(self, order_id: int, actor: Actor) -> tuple[OrderView, list[str]]:
        """A new draft with the lines of an old order, at today's catalogue prices. Lines of
        retired products are left out and named, so the person can choose a replacement."""
        old = self.get(order_id)
        with self._db.read() as session:
            active = {p.id: p for p in session.scalars(select(Product).where(Product.active))}
        lines: list[OrderLineInput] = []
        skipped: list[str] = []
        for line in old.lines:
            if line.product_id is None:
                lines.append(OrderLineInput(line.quantity, line.description, None,
                                            line.unit_price, line.discount_percent,
                                            line.tax_rate))
            elif line.product_id in active:
                lines.append(OrderLineInput(line.quantity, "", line.product_id, None,
                                            line.discount_percent))
            else:
                skipped.append(line.description)
        if not lines:
            raise ValidationError.single(
                "lines", "Nothing on that order can be ordered again: its products are retired.")
        return self.create_draft(old.customer_id, lines, actor,
                                 notes=f"Re-order of order {order_id}"), skipped

    def _apply_lines(self, session: Session, order: Order, lines: Sequence[OrderLineInput],
                     notes: str) -> None:
        errors: dict[str, str] = {}
        order.notes = gather(errors, lambda: clean_multiline("notes", "Notes", notes,
                                                             max_length=5000), order.notes)
        if not lines:
            errors["lines"] = "Add at least one line."
        if len(lines) > MAX_LINES:
            errors["lines"] = f"An order has at most {MAX_LINES} lines."
        product_ids = {line.product_id for line in lines if line.product_id is not None}
        products = {p.id: p for p in session.scalars(
            select(Product).where(Product.id.in_(product_ids)))} if product_ids else {}
        existing = {line.id: line for line in order.lines}
        rows: list[OrderLine] = []
        for i, data in enumerate(lines):
            key = f"lines.{i}"
            product = products.get(data.product_id) if data.product_id is not None else None
            if data.product_id is not None and product is None:
                errors[f"{key}.product_id"] = "That product no longer exists."
                continue
            if product is not None and not product.active and data.id is None:
                errors[f"{key}.product_id"] = f"{product.name} is retired and cannot be ordered."
                continue
            description = data.description.strip() or (product.name if product else "")
            price = data.unit_price if data.unit_price is not None else (
                product.unit_price if product else None)
            rate = data.tax_rate if data.tax_rate is not None else (
                product.tax_rate if product else None)
            line_errors: dict[str, str] = {}
            try:
                description = clean_text(f"{key}.description", "Description", description,
                                         max_length=500, required=True)
            except ValidationError as exc:
                line_errors.update(exc.errors)
            line_errors.update(quantity_errors(f"{key}.quantity", data.quantity))
            line_errors.update(self._price_errors(f"{key}.unit_price", price, "Unit price"))
            line_errors.update(percent_errors(f"{key}.discount_percent",
                                               data.discount_percent, "Discount"))
            line_errors.update(tax_rate_errors(f"{key}.tax_rate", rate))
            if line_errors:
                errors.update(line_errors)
                continue
            assert price is not None and rate is not None
            row = existing.get(data.id) if data.id is not None else None
            if row is None:
                row = OrderLine()
            row.position = i
            row.product_id = data.product_id
            row.description = description
            row.quantity = data.quantity
            row.unit_price = price  # copied: a later catalogue change leaves this order alone
            row.discount_percent = data.discount_percent
            row.tax_rate = rate
            rows.append(row)
        if errors:
            raise ValidationError(errors)
        order.lines = rows
        _store_totals(order)

    # ---- the state machine ---------------------------------------------------------------------

    def confirm(self, order_id: int, expected_version: int, actor: Actor) -> OrderView:
        """The customer has ordered: a prospect becomes a customer."""
        def step(session: Session, order: Order, now: datetime) -> None:
            order.state = OrderState.CONFIRMED
            order.confirmed_at = now
            customer = session.get(Customer, order.customer_id)
            assert customer is not None
            lifecycle.record_order(session, customer, now)
            _event(session, order, OrderEventKind.CONFIRMED, now, actor,
                   detail=_money_detail(order))
        return self._step(order_id, expected_version, actor, allowed=CAN_CONFIRM,
                          verb="confirmed", step=step)

    def ship(self, order_id: int, expected_version: int, actor: Actor) -> OrderView:
        def step(session: Session, order: Order, now: datetime) -> None:
            order.state = OrderState.SHIPPED
            order.shipped_at = now
            _event(session, order, OrderEventKind.SHIPPED, now, actor)
        return self._step(order_id, expected_version, actor, allowed=CAN_SHIP,
                          verb="shipped", step=step)

    def deliver(self, order_id: int, expected_version: int, quantities: Mapping[int, Decimal],
                actor: Actor) -> OrderView:
        """Record what reached the customer now, per line (partial deliveries welcome). When
        every line is complete the order is delivered; until then it stays shipped."""
        def step(session: Session, order: Order, now: datetime) -> None:
            lines = {line.id: line for line in order.lines}
            errors: dict[str, str] = {}
            for line_id, qty in quantities.items():
                line = lines.get(line_id)
                key = f"deliveries.{line_id}"
                if line is None:
                    errors[key] = "That line is not on this order."
                    continue
                errors.update(quantity_errors(key, qty, allow_zero=True))
                if key not in errors and qty > line.quantity - line.delivered_quantity:
                    left = _qty(line.quantity - line.delivered_quantity)
                    errors[key] = (f"Only {left} of “{line.description}” are still to be "
                                   "delivered.")
            if not errors and not any(qty > 0 for qty in quantities.values()):
                errors["deliveries"] = "Enter how many of at least one line were delivered."
            if errors:
                raise ValidationError(errors)
            for line_id, qty in quantities.items():
                if qty > 0:
                    line = lines[line_id]
                    line.delivered_quantity += qty
                    _event(session, order, OrderEventKind.DELIVERED, now, actor, line=line,
                           quantity=qty, detail=f"{_qty(qty)} × {line.description}")
            if order.shipped_at is None:
                order.shipped_at = now
            if all(line.delivered_quantity >= line.quantity for line in order.lines):
                order.state = OrderState.DELIVERED
                order.delivered_at = now
                session.flush()
                follow_up_service.suggest_after_delivery(
                    session, order, self._settings.business(), now, actor.user_id)
            else:
                order.state = OrderState.SHIPPED
            _refresh_lifetime_value(session, order.customer_id)
        return self._step(order_id, expected_version, actor, allowed=CAN_DELIVER,
                          verb="delivered", step=step)

    def record_return(self, order_id: int, expected_version: int, data: ReturnInput,
                      actor: Actor) -> OrderView:
        def step(session: Session, order: Order, now: datetime) -> None:
            line = next((li for li in order.lines if li.id == data.line_id), None)
            if line is None:
                raise ValidationError.single("line_id", "That line is not on this order.")
            errors = quantity_errors("quantity", data.quantity)
            returnable = line.delivered_quantity - line.returned_quantity
            if not errors and data.quantity > returnable:
                errors["quantity"] = (
                    f"Only {_qty(returnable)} of “{line.description}” can come back: "
                    f"{_qty(line.delivered_quantity)} delivered, "
                    f"{_qty(line.returned_quantity)} already returned.")
            reason = gather(errors, lambda: clean_text("reason", "Reason", data.reason,
                                                       max_length=500, required=True), "")
            when = data.returned_at or now
            if when > now:
                errors["returned_at"] = "A return cannot be in the future."
            if errors:
                raise ValidationError(errors)
            line.returned_quantity += data.quantity
            line.return_reason = reason
            line.returned_at = when
            line.refund_kind = data.refund_kind
            _event(session, order, OrderEventKind.RETURNED, when, actor, line=line,
                   quantity=data.quantity,
                   detail=f"{_qty(data.quantity)} × {line.description}: {reason} "
                          f"({REFUND_WORDS[data.refund_kind]})")
            _refresh_lifetime_value(session, order.customer_id)
        return self._step(order_id, expected_version, actor, allowed=CAN_RETURN,
                          verb="given a return", step=step)

    def close(self, order_id: int, expected_version: int, actor: Actor) -> OrderView:
        def step(session: Session, order: Order, now: datetime) -> None:
            order.state = OrderState.CLOSED
            order.closed_at = now
            _event(session, order, OrderEventKind.CLOSED, now, actor)
        return self._step(order_id, expected_version, actor, allowed=CAN_CLOSE,
                          verb="closed", step=step)

    def cancel(self, order_id: int, expected_version: int, reason: str,
               actor: Actor) -> OrderView:
        def step(session: Session, order: Order, now: datetime) -> None:
            if any(line.delivered_quantity for line in order.lines):
                raise ValidationError.single(
                    "state", "Part of this order has been delivered, so it cannot be "
                    "cancelled; record a return instead.")
            text = clean_text("cancel_reason", "Reason", reason, max_length=500, required=True)
            order.state = OrderState.CANCELLED
            order.cancelled_at = now
            order.cancel_reason = text
            _event(session, order, OrderEventKind.CANCELLED, now, actor, detail=text)
        return self._step(order_id, expected_version, actor, allowed=CAN_CANCEL,
                          verb="cancelled", step=step)

    def _step(self, order_id: int, expected_version: int, actor: Actor, *,
              allowed: set[OrderState], verb: str, step: _Step) -> OrderView:
        now = self._db.clock()
        with self._db.transaction(actor, Permission.TAKE_ORDERS) as session:
            order = _load(session, order_id)
            _check_version(order.version, expected_version, f"Order {order_id}")
            if order.state not in allowed:
                raise ValidationError.single(
                    "state", f"Order {order_id} is {order.state.value}, so it cannot be {verb}.")
            step(session, order, now)
            flag_modified(order, "updated_at")
            session.flush()
            return _view(session, order)


# ---- helpers -------------------------------------------------------------------------------------


def _get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError("That product no longer exists.")
    return product


def _load(session: Session, order_id: int) -> Order:
    order = session.scalar(select(Order).where(Order.id == order_id)
                           .options(selectinload(Order.lines)))
    if order is None:
        raise NotFoundError(f"Order {order_id} no longer exists.")
    return order


def _check_version(actual: int, expected: int, what: str) -> None:
    if actual != expected:
        raise ConflictError(f"{what} was changed by someone else after you opened it. "
                            "Reopen it to see their change, then make yours again.")


def price_errors(key: str, price: Decimal | None, currency: str, label: str = "Price"
                 ) -> dict[str, str]:
    if price is None or not price.is_finite():
        return number_missing(key, label, price)
    allowed = currency_decimals(currency)
    if price < 0:
        return {key: f"{label} cannot be negative."}
    if decimals_of(price) > allowed:
        return {key: f"{label} has more decimals than {currency} allows ({allowed})."}
    if price >= Decimal("1e12"):
        return {key: f"{label} is too large."}
    return {}


def _qty(value: Decimal) -> str:
    """A quantity as people write it: 2, 1.5 (not 2.000)."""
    return format(value.normalize(), "f")


def quantity_errors(key: str, value: Decimal | None, *, allow_zero: bool = False
                     ) -> dict[str, str]:
    if value is None or not value.is_finite():
        return number_missing(key, "Quantity", value)
    if value < 0 or (value == 0 and not allow_zero):
        return {key: "Quantity must be more than zero."}
    if decimals_of(value) > QUANTITY_DECIMALS:
        return {key: f"Quantity has more than {QUANTITY_DECIMALS} decimals."}
    if value >= Decimal("1e9"):
        return {key: "Quantity is too large."}
    return {}


def percent_errors(key: str, value: Decimal | None, label: str) -> dict[str, str]:
    if value is None or not value.is_finite():
        return number_missing(key, label, value)
    if not 0 <= value <= HUNDRED:
        return {key: f"{label} must be between 0 and 100%."}
    if decimals_of(value) > 2:
        return {key: f"{label} has more than 2 decimals."}
    return {}


def tax_rate_errors(key: str, value: Decimal | None) -> dict[str, str]:
    return percent_errors(key, value, "Tax rate")


def _store_totals(order: Order) -> None:
    result = totals((li.quantity, li.unit_price, li.discount_percent, li.tax_rate)
                    for li in order.lines)
    order.net_total, order.tax_total, order.gross_total = result.net, result.tax, result.gross


def _money_detail(order: Order) -> str:
    return f"{order.gross_total} {order.currency}"


def _event(session: Session, order: Order, kind: OrderEventKind, at: datetime, actor: Actor, *,
           line: OrderLine | None = None, quantity: Decimal | None = None,
           detail: str = "") -> None:
    session.add(OrderEvent(order_id=order.id, customer_id=order.customer_id, at=at, kind=kind,
                           order_line_id=line.id if line is not None else None,
                           quantity=quantity, detail=detail[:500], user_id=actor.user_id))


def _refresh_lifetime_value(session: Session, customer_id: int) -> None:
    """What the customer kept: delivered less returned, by the same rounding rule."""
    session.flush()
    rows = session.execute(
        select(OrderLine.delivered_quantity - OrderLine.returned_quantity, OrderLine.unit_price,
               OrderLine.discount_percent, OrderLine.tax_rate)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, Order.state.in_(SOLD_STATES))
    ).all()
    customer = session.get(Customer, customer_id)
    assert customer is not None
    kept = totals((Decimal(q), p, d, r) for q, p, d, r in rows if q > 0)
    customer.lifetime_value = kept.gross


def _view(session: Session, order: Order, *, with_events: bool = True) -> OrderView:
    customer = session.get(Customer, order.customer_id)
    products = {p.id: p.sku for p in session.scalars(select(Product).where(
        Product.id.in_({li.product_id for li in order.lines if li.product_id})))}
    lines = []
    for li in order.lines:
        net = line_net(li.quantity, li.unit_price, li.discount_percent)
        lines.append(OrderLineView(
            li.id, li.position, li.product_id, products.get(li.product_id or 0, ""),
            li.description, li.quantity, li.delivered_quantity, li.returned_quantity,
            li.unit_price, li.discount_percent, li.tax_rate, net, li.return_reason or "",
            li.returned_at, li.refund_kind))
    events: tuple[OrderEventView, ...] = ()
    if with_events:
        rows = session.execute(
            select(OrderEvent, User.display_name)
            .outerjoin(User, User.id == OrderEvent.user_id)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.at, OrderEvent.id)
        ).all()
        events = tuple(OrderEventView(e.at, e.kind, e.detail, who or "") for e, who in rows)
    return OrderView(
        order.id, order.version, order.customer_id,
        customer.display_name if customer is not None else "", order.state, order.currency,
        order.ordered_at, order.confirmed_at, order.shipped_at, order.delivered_at,
        order.closed_at, order.cancelled_at, order.cancel_reason or "", order.notes,
        tuple(lines),
        totals((li.quantity, li.unit_price, li.discount_percent, li.tax_rate) for li in lines),
        events, order.updated_at, user_name(session, order.updated_by_id))
