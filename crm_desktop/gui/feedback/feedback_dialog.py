"""Record a complaint, a win, a suggestion or a customer's rating; edit the category list."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import FEEDBACK_KIND_LABELS, Formatter
from crm_desktop.gui.shared.customer_picker import CustomerPicker
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import FeedbackKind
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.feedback.feedback_service import (
    CategoryView,
    FeedbackInput,
    FeedbackService,
)
from crm_desktop.services.invoices.invoice_list_service import InvoiceFilter, InvoiceListService
from crm_desktop.services.orders.order_list_service import OrderFilter, OrderListService

KINDS = (FeedbackKind.COMPLAINT, FeedbackKind.WIN, FeedbackKind.SUGGESTION, FeedbackKind.SURVEY)
RATING_WORDS = {1: "1 – very unhappy", 2: "2 – unhappy", 3: "3 – all right", 4: "4 – happy",
                5: "5 – delighted"}


class FeedbackDialog(FormDialog):
    def __init__(self, service: FeedbackService, actor: Actor, *,
                 customers: CustomerListService, orders: OrderListService,
                 invoices: InvoiceListService, formatter: Formatter, clock: Clock,
                 customer: tuple[int, str] | None = None,
                 kind: FeedbackKind = FeedbackKind.COMPLAINT, can_edit_categories: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__("Record a complaint, a win or feedback", parent)
        self.setMinimumWidth(520)
        self._service = service
        self._actor = actor
        self._orders = orders
        self._invoices = invoices
        self._formatter = formatter
        self.saved_id: int | None = None

        self.kind_buttons: dict[FeedbackKind, QRadioButton] = {}
        kinds = QHBoxLayout()
        group = QButtonGroup(self)
        for k in KINDS:
            label = "Rating" if k is FeedbackKind.SURVEY else FEEDBACK_KIND_LABELS[k]
            button = QRadioButton(label)
            group.addButton(button)
            self.kind_buttons[k] = button
            kinds.addWidget(button)
            button.toggled.connect(self._kind_changed)
        kinds_box = QWidget()
        kinds_box.setLayout(kinds)
        kinds.setContentsMargins(0, 0, 0, 0)
        self.picker = CustomerPicker(customers, customer=customer)
        self.order = QComboBox()
        self.invoice = QComboBox()
        self.category = QComboBox()
        self.edit_categories = QPushButton("Edit list…")
        self.edit_categories.setVisible(can_edit_categories)
        self.edit_categories.clicked.connect(self._edit_categories)
        category_row = QHBoxLayout()
        category_row.setContentsMargins(0, 0, 0, 0)
        category_row.addWidget(self.category, 1)
        category_row.addWidget(self.edit_categories)
        self.category_box = QWidget()
        self.category_box.setLayout(category_row)
        self.rating = QComboBox()
        for value, words in RATING_WORDS.items():
            self.rating.addItem(words, value)
        self.rating.setCurrentIndex(-1)
        self.text = QPlainTextEdit()
        self.text.setFixedHeight(80)
        self.apology = QCheckBox("We &apologised")
        self.action = QLineEdit()
        self.action.setPlaceholderText("e.g. Refunded the postage and sent a new lid")
        self.when = QDateTimeEdit(QDateTime(clock().astimezone()))
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")

        self.add_field("&Kind", kinds_box)
        self.add_field("C&ustomer", self.picker, "customer_id")
        self.add_field("O&rder", self.order, "order_id")
        self.add_field("In&voice", self.invoice, "invoice_id")
        self.add_field("&Category", self.category_box, "category_id")
        self.add_field("&Rating", self.rating, "rating")
        self.add_field("&What happened", self.text, "text")
        self.add_field("", self.apology)
        self.add_field("What was &done", self.action, "action_taken")
        self.add_field("W&hen", self.when, "occurred_at")
        self.picker.chosen_changed.connect(self._fill_orders)
        self._fill_categories()
        self._fill_orders()
        self.kind_buttons[kind].setChecked(True)
        self._kind_changed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first = self.text if self.picker.chosen is not None else self.picker.search
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def kind(self) -> FeedbackKind:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def _kind_changed(self) -> None:
        if not any(b.isChecked() for b in self.kind_buttons.values()):
            return
        kind = self.kind()
        rated = kind is FeedbackKind.SURVEY
        complaint = kind is FeedbackKind.COMPLAINT
        for widget, shown in ((self.category_box, not rated), (self.rating, rated),
                              (self.apology, complaint), (self.action, complaint)):
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        text_label = self.form.labelForField(self.text)
        if isinstance(text_label, QLabel):
            text_label.setText("&Their words" if rated else "&What happened")
        self.text.setPlaceholderText(
            "how they feel, in their words (optional)" if rated else
            "what happened, e.g. The parcel came two days late")

    def _fill_categories(self, select: int | None = None) -> None:
        current = select if select is not None else self.category.currentData()
        self.category.clear()
        self.category.addItem("", None)
        for category in self._service.categories():
            self.category.addItem(category.name, category.id)
        self.category.setCurrentIndex(max(0, self.category.findData(current)))

    def _fill_orders(self) -> None:
        """The chosen customer's orders and invoices, to link the entry to one."""
        self.order.clear()
        self.order.addItem("(not about one order)", None)
        self.invoice.clear()
        self.invoice.addItem("(not about one invoice)", None)
        chosen = self.picker.chosen
        if chosen is None:
            return
        f = self._formatter
        for row in self._orders.page(OrderFilter(customer_id=chosen[0]), limit=30):
            self.order.addItem(f"Order {row.id} · {f.date(row.ordered_at)} · {row.first_line}",
                               row.id)
        # Billing complaints are often about one invoice: the customer's latest, drafts aside.
        for invoice in self._invoices.page(InvoiceFilter(customer_id=chosen[0]), limit=30):
            if invoice.number:
                self.invoice.addItem(f"{invoice.number} · {f.date(invoice.issued_on)} · "
                                     f"{f.money(invoice.gross_total)}", invoice.id)

    def _edit_categories(self) -> None:
        dialog = CategoriesDialog(self._service, self._actor, self)
        dialog.exec()
        self._fill_categories()

    def save(self) -> None:
        kind = self.kind()
        when = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        chosen = self.picker.chosen
        data = FeedbackInput(
            kind=kind, text=self.text.toPlainText(), category_id=self.category.currentData(),
            customer_id=chosen[0] if chosen else None, order_id=self.order.currentData(),
            invoice_id=self.invoice.currentData(),
            occurred_at=when, rating=self.rating.currentData(),
            apology_made=self.apology.isChecked(), action_taken=self.action.text())
        self.saved_id = self.attempt_save(lambda: self._service.record(data, self._actor))
        if self.saved_id is not None:
            self.accept()


class CategoriesDialog(QDialog):
    """The owner's list: add, rename, switch off (past entries keep counting)."""

    def __init__(self, service: FeedbackService, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Complaint and win categories")
        self.resize(380, 360)
        self._service = service
        self._actor = actor
        self.list = QListWidget()
        self.name = QLineEdit()
        self.name.setPlaceholderText("new category, e.g. Parking")
        self.add_button = QPushButton("&Add")
        self.rename_button = QPushButton("&Rename…")
        self.toggle_button = QPushButton("Switch &off")
        self.error = error_label()
        self._errors = FieldErrors()
        self._errors.register("name", self.name, self.error)
        adder = QHBoxLayout()
        adder.addWidget(self.name, 1)
        adder.addWidget(self.add_button)
        actions = QHBoxLayout()
        actions.addWidget(self.rename_button)
        actions.addWidget(self.toggle_button)
        actions.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addLayout(adder)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.add_button.clicked.connect(self.add)
        self.name.returnPressed.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.toggle_button.clicked.connect(self.toggle)
        self.list.currentRowChanged.connect(self._update_buttons)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for category in self._service.categories(include_inactive=True):
            item = QListWidgetItem(category.name + ("" if category.active else " (switched off)"))
            item.setData(Qt.ItemDataRole.UserRole, category)
            self.list.addItem(item)
        self._update_buttons()

    def _current(self) -> CategoryView | None:
        item = self.list.currentItem()
        current = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return current if isinstance(current, CategoryView) else None

    def _update_buttons(self) -> None:
        current = self._current()
        self.rename_button.setEnabled(current is not None)
        self.toggle_button.setEnabled(current is not None)
        self.toggle_button.setText("Switch &on" if current is not None and not current.active
                                   else "Switch &off")

    def add(self) -> None:
        added = attempt(self, fields=self._errors, action=lambda: self._service.add_category(
            self.name.text(), self._actor))
        if added is not None:
            self.name.clear()
            self._errors.clear()
            self.refresh()

    def rename(self) -> None:
        current = self._current()
        if current is None:
            return
        name, ok = QInputDialog.getText(self, "Rename category", "New name:", text=current.name)
        if ok and attempt(self, fields=self._errors, action=lambda: self._service.rename_category(
                current.id, name, self._actor)) is not None:
            self.refresh()

    def toggle(self) -> None:
        current = self._current()
        if current is not None and attempt(
                self, fields=self._errors, action=lambda: self._service.set_category_active(
                    current.id, not current.active, self._actor)) is not None:
            self.refresh()
