"""One order: edit a draft's lines with live totals, or move a placed order along its steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.formatting import Formatter, local_zone
from crm_desktop.gui.orders.orders_page import STATE_LABELS
from crm_desktop.gui.orders.product_dialog import ProductDialog
from crm_desktop.gui.shared.conflict_dialog import Theirs, save_choosing, saved_at
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.widgets import ActionRow, ElidedLabel, FormDialog, breakable
from crm_desktop.models import OrderState, RefundKind
from crm_desktop.money import totals
from crm_desktop.services.edit_conflicts import (
    ORDER_DRAFT_FIELDS,
)
from crm_desktop.services.orders.order_service import (
    CAN_CANCEL,
    CAN_CLOSE,
    CAN_DELIVER,
    CAN_RETURN,
    CAN_SHIP,
    SOLD_STATES,
    DraftInput,
    OrderLineInput,
    OrderLineView,
    OrderService,
    OrderView,
    ProductView,
    ReturnInput,
    percent_errors,
    price_errors,
    quantity_errors,
    tax_rate_errors,
)
from crm_desktop.validation import parse_number, parse_optional_number

FREE_TEXT = -1  # the product box's "no product: type the line yourself"
EDIT_HEADERS = ("Product", "Description", "Qty", "Unit price", "Disc. %", "Tax %", "Net", "")
VIEW_HEADERS = ("Description", "Qty", "Delivered", "Returned", "Unit price", "Disc. %",
                "Tax %", "Net")


class LineEditor:
    """The widgets of one draft line."""

    def __init__(self, dialog: OrderDialog, line: OrderLineInput | None) -> None:
        f = dialog.formatter
        self.id = line.id if line else None
        self.product = QComboBox()
        self.product.addItem("— no product —", FREE_TEXT)
        for p in dialog.products:
            self.product.addItem(f"{p.sku} · {p.name}", p.id)
        self.description = QLineEdit(line.description if line else "")
        self.quantity = QLineEdit(f.number(line.quantity) if line else "1")
        self.unit_price = QLineEdit(
            f.amount(line.unit_price) if line and line.unit_price is not None else "")
        self.discount = QLineEdit(f.number(line.discount_percent) if line else "0")
        rate = line.tax_rate if line else dialog.default_tax_rate
        self.tax_rate = QLineEdit(f.number(rate) if rate is not None else "")
        self.net = QLabel()
        self.net.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this line")
        if line is not None and line.product_id is not None:
            self.product.setCurrentIndex(max(0, self.product.findData(line.product_id)))
        self.product.currentIndexChanged.connect(lambda _i: dialog.product_chosen(self))
        for edit in (self.description, self.quantity, self.unit_price, self.discount,
                     self.tax_rate):
            edit.textChanged.connect(dialog.update_totals)
        self.remove.clicked.connect(lambda: dialog.remove_line(self))

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.product, self.description, self.quantity, self.unit_price, self.discount,
                self.tax_rate, self.net, self.remove)

    def to_input(self, locale: str, index: int) -> OrderLineInput:
        """Read the line; unreadable numbers are reported at their field."""
        key = f"lines.{index}"
        errors: dict[str, str] = {}
        values: dict[str, Decimal | None] = {}
        for name, label, edit, required in (
            ("quantity", "Quantity", self.quantity, True),
            ("unit_price", "Unit price", self.unit_price, False),
            ("discount_percent", "Discount", self.discount, True),
            ("tax_rate", "Tax rate", self.tax_rate, False),
        ):
            try:
                values[name] = (parse_number(f"{key}.{name}", label, edit.text(), locale)
                                if required else
                                parse_optional_number(f"{key}.{name}", label, edit.text(),
                                                      locale))
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        product = self.product.currentData()
        quantity = values["quantity"]
        discount = values["discount_percent"]
        assert quantity is not None and discount is not None
        return OrderLineInput(quantity, self.description.text(),
                              None if product == FREE_TEXT else int(product),
                              values["unit_price"], discount, values["tax_rate"], self.id)


class OrderDialog(QDialog):
    changed = Signal(int)  # an order was saved or moved on: lists and profiles should refresh
    open_order = Signal(int)  # e.g. the new draft of a re-order
    follow_up = Signal(int, int)  # customer id, order id: schedule a follow-up about it
    invoice = Signal(int, int)  # customer id, order id: draft an invoice for what was delivered

    def __init__(self, orders: OrderService, actor: Actor, formatter: Formatter, *,
                 customer: tuple[int, str], order: OrderView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.orders = orders
        self.actor = actor
        self.formatter = formatter
        self.customer_id, self.customer_name = customer
        self.order = order
        self.products: list[ProductView] = orders.products()
        self.default_tax_rate = orders.default_tax_rate()
        self.lines: list[LineEditor] = []
        self._errors = FieldErrors()
        self.resize(980, 620)

        self.title = ElidedLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.steps.setWordWrap(True)
        self.table = QTableWidget()
        self.table.verticalHeader().setVisible(False)
        self.totals = QLabel()
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.notes = QPlainTextEdit(order.notes if order else "")
        self.notes.setPlaceholderText("notes for this order (optional)")
        self.notes.setFixedHeight(50)
        self.events = QListWidget()
        self.events.setFixedHeight(110)
        self.error = error_label()
        self.buttons = ActionRow()

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.steps)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Notes"))
        left.addWidget(self.notes)
        left.addWidget(QLabel("What happened"))
        left.addWidget(self.events)
        bottom.addLayout(left, 2)
        bottom.addWidget(self.totals, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        layout.addLayout(self.buttons)
        self._make_buttons()
        self._show()

    # ---- showing ---------------------------------------------------------------------------------

    @property
    def is_draft(self) -> bool:
        return self.order is None or self.order.state is OrderState.DRAFT

    def _show(self) -> None:
        f = self.formatter
        order = self.order
        state = STATE_LABELS[order.state] if order else "New draft"
        if order is not None and order.partly_delivered:
            state += " (partly delivered)"
        number = f"Order {order.id}" if order else "New order"
        self.title.setText(f"{number} — {self.customer_name} — {state}")
        self.setWindowTitle(f"{number} for {self.customer_name}")
        if order is not None:
            steps = [("ordered", order.ordered_at), ("confirmed", order.confirmed_at),
                     ("shipped", order.shipped_at), ("delivered", order.delivered_at),
                     ("closed", order.closed_at), ("cancelled", order.cancelled_at)]
            self.steps.setText(breakable(
                "  ·  ".join(f"{what.capitalize()} {f.date_time(when)}"
                             for what, when in steps if when)
                + (f"  ·  Reason: {order.cancel_reason}" if order.cancel_reason else "")))
            self.events.clear()
            for event in order.events:
                who = f" — {event.who}" if event.who else ""
                detail = f": {event.detail}" if event.detail else ""
                self.events.addItem(f"{f.date_time(event.at)}  {event.kind.value}{detail}{who}")
        self.notes.setReadOnly(not self.is_draft)
        if order is not None and self.notes.toPlainText() != order.notes:
            self.notes.setPlainText(order.notes)  # as saved (e.g. the other desk's, chosen)
        self._errors = FieldErrors()
        self.error.clear()
        self.error.hide()
        if self.is_draft:
            self._show_draft()
        else:
            self._show_placed()
        self._show_buttons()
        self.update_totals()

    def _show_draft(self) -> None:
        self.table.clear()
        self.table.setColumnCount(len(EDIT_HEADERS))
        self.table.setHorizontalHeaderLabels(EDIT_HEADERS)
        self.table.setRowCount(0)
        self.lines = []
        source: list[OrderLineInput | None] = (
            [li.as_input() for li in self.order.lines] if self.order else [])
        for line in source or [None]:
            self.add_line(line)
        for column, width in enumerate((190, 260, 60, 90, 65, 60, 90, 30)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def _show_placed(self) -> None:
        assert self.order is not None
        f = self.formatter
        self.table.clear()
        self.table.setColumnCount(len(VIEW_HEADERS))
        self.table.setHorizontalHeaderLabels(VIEW_HEADERS)
        self.table.setRowCount(len(self.order.lines))
        for r, li in enumerate(self.order.lines):
            returned = f.number(li.returned_quantity) if li.returned_quantity else ""
            if li.return_reason:
                returned += f" ({li.return_reason})"
            cells = (li.description, f.number(li.quantity), f.number(li.delivered_quantity),
                     returned, f.money(li.unit_price), f.number(li.discount_percent),
                     f.number(li.tax_rate), f.money(li.net))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if c not in (0, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        for column, width in enumerate((300, 60, 75, 170, 90, 65, 60, 90)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _make_buttons(self) -> None:
        """Every button the window can offer; each state shows its own."""
        for key, label, slot in (
                ("add_line", "Add a &line", lambda: self.add_line(None)),
                ("new_product", "New &product…", self.new_product),
                ("save", "&Save draft", self.save_draft),
                ("confirm", "C&onfirm order", self.confirm),
                ("ship", "S&hip", lambda: self._step(self.orders.ship)),
                ("deliver", "&Deliver…", self.deliver),
                ("return", "&Return…", self.record_return),
                ("close", "Close the &order", lambda: self._step(self.orders.close)),
                ("cancel", "&Cancel order…", self.cancel_order),
                ("reorder", "Re-&order", self.reorder),
                ("follow_up", "&Follow up…", self._follow_up),
                ("invoice", "&Invoice…", self._invoice)):
            self.buttons.add(key, label, slot)
        self.buttons.addStretch(1)
        self.buttons.add("done", "Done", self.reject,
                         "Close this window (a draft keeps what was last saved)")
        self.action_buttons = self.buttons.buttons

    def _show_buttons(self) -> None:
        state = self.order.state if self.order else OrderState.DRAFT
        placed = self.order is not None
        self.buttons.show_only({
            "add_line": self.is_draft, "new_product": self.is_draft, "save": self.is_draft,
            "confirm": self.is_draft, "ship": state in CAN_SHIP,
            "deliver": state in CAN_DELIVER, "return": state in CAN_RETURN,
            "close": state in CAN_CLOSE, "cancel": placed and state in CAN_CANCEL,
            "reorder": placed and not self.is_draft,
            "follow_up": placed and not self.is_draft,
            "invoice": placed and state in SOLD_STATES})

    def _invoice(self) -> None:
        if self.order is not None and self.order.customer_id is not None:
            self.invoice.emit(self.order.customer_id, self.order.id)

    def _follow_up(self) -> None:
        if self.order is not None and self.order.customer_id is not None:
            self.follow_up.emit(self.order.customer_id, self.order.id)

    # ---- draft editing -----------------------------------------------------------------------

    def add_line(self, line: OrderLineInput | None) -> LineEditor:
        editor = LineEditor(self, line)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, widget in enumerate(editor.widgets()):
            self.table.setCellWidget(row, column, widget)
        self.lines.append(editor)
        self._register()
        if line is None:
            editor.product.setFocus()
        self.update_totals()
        return editor

    def remove_line(self, editor: LineEditor) -> None:
        row = self.lines.index(editor)
        self.lines.remove(editor)
        self.table.removeRow(row)
        self._register()
        self.update_totals()

    def product_chosen(self, editor: LineEditor) -> None:
        """Fill description, price and tax from the catalogue (they stay editable)."""
        product_id = editor.product.currentData()
        product = next((p for p in self.products if p.id == product_id), None)
        if product is None:
            return
        editor.description.setText(product.name)
        editor.unit_price.setText(self.formatter.amount(product.unit_price))
        editor.tax_rate.setText(self.formatter.number(product.tax_rate))
        editor.quantity.setFocus()

    def new_product(self) -> None:
        """Add a product to the catalogue on the spot, and put it on a new line."""
        dialog = ProductDialog(self.orders, self.actor, self.formatter, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.products = self.orders.products()
            for editor in self.lines:
                chosen = editor.product.currentData()
                editor.product.blockSignals(True)
                editor.product.addItem(f"{dialog.saved.sku} · {dialog.saved.name}",
                                       dialog.saved.id)
                editor.product.setCurrentIndex(editor.product.findData(chosen))
                editor.product.blockSignals(False)
            editor = self.add_line(None)
            editor.product.setCurrentIndex(editor.product.findData(dialog.saved.id))

    def _register(self) -> None:
        self._errors = FieldErrors()
        for i, editor in enumerate(self.lines):
            for name, widget in (("product_id", editor.product),
                                 ("description", editor.description),
                                 ("quantity", editor.quantity),
                                 ("unit_price", editor.unit_price),
                                 ("discount_percent", editor.discount),
                                 ("tax_rate", editor.tax_rate)):
                self._errors.register(f"lines.{i}.{name}", widget, self.error)
        self._errors.register("notes", self.notes, self.error)
        self._errors.register("lines", self.table, self.error)
        self._errors.register("state", self.title, self.error)

    def collect(self) -> list[OrderLineInput]:
        errors: dict[str, str] = {}
        lines: list[OrderLineInput] = []
        for i, editor in enumerate(self.lines):
            try:
                lines.append(editor.to_input(self.formatter.locale, i))
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return lines

    def update_totals(self) -> None:
        """Totals as they will be saved: the same rule as the service and the invoice."""
        f = self.formatter
        if self.is_draft:
            rows = []
            for editor in self.lines:
                try:
                    line = editor.to_input(f.locale, 0)
                except ValidationError:
                    editor.net.setText("—")
                    continue
                price = line.unit_price or Decimal(0)
                rate = line.tax_rate or Decimal(0)
                if (quantity_errors("q", line.quantity) or price_errors("p", price, f.currency)
                        or percent_errors("d", line.discount_percent, "Discount")
                        or tax_rate_errors("t", rate)):
                    editor.net.setText("—")  # the service will refuse it: not in the total
                    continue
                row = (line.quantity, price, line.discount_percent, rate)
                editor.net.setText(f.money(totals([row]).net))
                rows.append(row)
            result = totals(rows)
        else:
            assert self.order is not None
            result = self.order.totals
        parts = [f"Net <b>{f.money(result.net)}</b>"]
        parts += [f"Tax {f.number(rate)} % on {f.money(net)}: {f.money(tax)}"
                  for rate, net, tax in result.tax_by_rate]
        parts.append(f"<span style='font-size:13pt'>Total <b>{f.money(result.gross)}</b></span>")
        self.totals.setText("<br>".join(parts))

    def save_draft(self) -> OrderView | None:
        def save() -> OrderView | None:
            lines = self.collect()
            if self.order is None:
                return self.orders.create_draft(self.customer_id, lines, self.actor,
                                                notes=self.notes.toPlainText())
            return self._update_draft(self.order, DraftInput(lines, self.notes.toPlainText()))

        saved = attempt(self, fields=self._errors, action=save)
        if saved is not None:
            self._saved(saved)
        return saved

    def _update_draft(self, order: OrderView, mine: DraftInput) -> OrderView | None:
        """Save the draft. If the other desk saved it since this window showed it, what
        differs is shown side by side and what the person chooses is saved; None: they went
        back to the draft, which still holds what they typed."""
        def reload() -> Theirs[DraftInput]:
            theirs = self.orders.get(order.id)
            if theirs.state is not OrderState.DRAFT:
                raise ConflictError(
                    f"Order {order.id} was {theirs.state.value} at the other desk while you "
                    "were changing it: a draft's lines can no longer be changed. Close it "
                    "and open it again to see it.")
            return Theirs(theirs.version, theirs.draft(),
                          f"the draft order {theirs.id} for {theirs.customer_name}",
                          theirs.updated_by_name, saved_at(theirs.updated_at))

        return save_choosing(
            lambda version, draft: self.orders.update_draft(order.id, version, draft.lines,
                                                            self.actor, notes=draft.notes),
            version=order.version, base=order.draft(), mine=mine, reload=reload,
            fields=ORDER_DRAFT_FIELDS, shown=self._shown, parent=self)

    def _shown(self, name: str, value: Any) -> str:
        """A field's value in words, for the side-by-side choice."""
        if name != "lines":
            return str(value)
        f = self.formatter
        return "\n".join(
            f"{f.number(line.quantity)} × {line.description or self._product_name(line)}"
            + (f" at {f.money(line.unit_price)}" if line.unit_price is not None else "")
            for line in value if line.description or line.product_id)

    def _product_name(self, line: OrderLineInput) -> str:
        return next((p.name for p in self.products if p.id == line.product_id), "a product")

    def confirm(self) -> None:
        draft = self.save_draft()
        if draft is not None:
            self._step(self.orders.confirm)

    # ---- steps of a placed order -------------------------------------------------------------

    def _step(self, step: Callable[[int, int, Actor], OrderView]) -> None:
        assert self.order is not None
        order = self.order
        moved = attempt(self, lambda: step(order.id, order.version, self.actor),
                        fields=self._errors)
        if moved is not None:
            self._saved(moved)

    def _saved(self, order: OrderView) -> None:
        self.order = order
        self._show()
        self.changed.emit(order.id)

    def deliver(self) -> None:
        assert self.order is not None
        dialog = DeliveryDialog(self, self.order.lines)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._step(lambda oid, version, actor: self.orders.deliver(
            oid, version, dialog.quantities, actor))

    def record_return(self) -> None:
        assert self.order is not None
        dialog = ReturnDialog(self, [li for li in self.order.lines
                                     if li.delivered_quantity > li.returned_quantity])
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_input is None:
            return
        data = dialog.result_input
        self._step(lambda oid, version, actor: self.orders.record_return(
            oid, version, data, actor))

    def cancel_order(self) -> None:
        reason, ok = QInputDialog.getText(self, "Cancel order", "Why is the order cancelled?")
        if ok:
            self._step(lambda oid, version, actor: self.orders.cancel(oid, version, reason,
                                                                      actor))

    def reorder(self) -> None:
        assert self.order is not None
        order_id = self.order.id
        result = attempt(self, lambda: self.orders.reorder(order_id, self.actor))
        if result is None:
            return
        draft, skipped = result
        self.changed.emit(draft.id)
        if skipped:
            self.error.setText("Left out, no longer sold: " + ", ".join(skipped))
            self.error.show()
        self.open_order.emit(draft.id)


class DeliveryDialog(FormDialog):
    """How many of each line reached the customer now (all that is left, unless changed)."""

    def __init__(self, parent: OrderDialog, lines: tuple[OrderLineView, ...]) -> None:
        super().__init__("Record a delivery", parent, ok=QDialogButtonBox.StandardButton.Ok)
        self.quantities: dict[int, Decimal] = {}
        self._locale = parent.formatter.locale
        self.edits: dict[int, QLineEdit] = {}
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Line</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Still to deliver</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Delivered now</b>"), 0, 2)
        f = parent.formatter
        for r, line in enumerate((li for li in lines if li.outstanding > 0), start=1):
            edit = QLineEdit(f.number(line.outstanding))
            self.edits[line.id] = edit
            grid.addWidget(QLabel(line.description), r, 0)
            grid.addWidget(QLabel(f.number(line.outstanding)), r, 1)
            grid.addWidget(edit, r, 2)
            self.watch(f"deliveries.{line.id}", edit)
        self.form.addRow(grid)

    def save(self) -> None:
        def read() -> dict[int, Decimal]:
            errors: dict[str, str] = {}
            quantities: dict[int, Decimal] = {}
            for line_id, edit in self.edits.items():
                try:
                    value = parse_optional_number(f"deliveries.{line_id}", "Quantity",
                                                  edit.text(), self._locale)
                except ValidationError as exc:
                    errors.update(exc.errors)
                    continue
                quantities[line_id] = value or Decimal(0)
            if errors:
                raise ValidationError(errors)
            return quantities

        quantities = self.attempt_save(read)
        if quantities is not None:
            self.quantities = quantities
            self.accept()


class ReturnDialog(FormDialog):
    def __init__(self, parent: OrderDialog, lines: list[OrderLineView]) -> None:
        super().__init__("Record a return", parent, ok=QDialogButtonBox.StandardButton.Ok)
        self.result_input: ReturnInput | None = None
        self._locale = parent.formatter.locale
        self.line = QComboBox()
        for li in lines:
            returnable = li.delivered_quantity - li.returned_quantity
            self.line.addItem(f"{li.description} (up to {parent.formatter.number(returnable)})",
                              li.id)
        self.quantity = QLineEdit("1")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. Scratched top")
        self.refund = QRadioButton("&Refund the money")
        self.credit = QRadioButton("Give a &credit")
        self.credit.setChecked(True)
        today = datetime.now(local_zone()).date()
        self.when = QDateEdit(QDate(today.year, today.month, today.day))
        self.when.setCalendarPopup(True)
        self.add_field("&Line", self.line)
        self.add_field("&Quantity", self.quantity, "quantity")
        self.add_field("Rea&son", self.reason, "reason")
        self.add_field("", self.refund)
        self.add_field("", self.credit)
        self.add_field("&Date", self.when, "returned_at")

    def save(self) -> None:
        def read() -> ReturnInput:
            quantity = parse_number("quantity", "Quantity", self.quantity.text(), self._locale)
            if not self.reason.text().strip():
                raise ValidationError.single("reason", "Say why it came back.")
            picked = self.when.date()
            day = date(picked.year(), picked.month(), picked.day())
            today = datetime.now(local_zone()).date()
            when = None if day == today else datetime.combine(
                day, time(12), tzinfo=local_zone()).astimezone(UTC)
            return ReturnInput(int(self.line.currentData()), quantity, self.reason.text(),
                               RefundKind.REFUND if self.refund.isChecked()
                               else RefundKind.CREDIT, when)

        self.result_input = self.attempt_save(read)
        if self.result_input is not None:
            self.accept()
