"""Add or edit a catalogue product (also from inside an order, to add one on the spot)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.field_errors import FieldErrors, error_label, save_with_field_errors
from crm_desktop.services.order_service import OrderService, ProductInput, ProductView
from crm_desktop.validation import parse_number


class ProductDialog(QDialog):
    def __init__(self, orders: OrderService, actor: Actor, formatter: Formatter,
                 existing: ProductView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit {existing.name}" if existing else "New product")
        self._orders = orders
        self._actor = actor
        self._locale = formatter.locale
        self._existing = existing
        self.saved: ProductView | None = None
        self.sku = QLineEdit(existing.sku if existing else "")
        self.sku.setMaxLength(40)
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setMaxLength(200)
        self.description = QPlainTextEdit(existing.description if existing else "")
        self.description.setFixedHeight(60)
        self.unit_price = QLineEdit(formatter.amount(existing.unit_price) if existing else "")
        self.unit_price.setPlaceholderText(f"price in {formatter.currency}, before tax")
        self.tax_rate = QLineEdit(formatter.number(existing.tax_rate) if existing else "")
        self.tax_rate.setPlaceholderText("%")
        self.unit = QLineEdit(existing.unit if existing else "pc")
        self.unit.setMaxLength(20)
        self.active = QCheckBox("Can be ordered (untick to retire it; old orders keep it)")
        self.active.setChecked(existing.active if existing else True)
        self.error = error_label()
        form = QFormLayout()
        form.addRow("&SKU", self.sku)
        form.addRow("&Name", self.name)
        form.addRow("&Description", self.description)
        form.addRow("Unit &price", self.unit_price)
        form.addRow("&Tax rate (%)", self.tax_rate)
        form.addRow("&Unit", self.unit)
        form.addRow("", self.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._errors = FieldErrors()
        for key, widget in (("sku", self.sku), ("name", self.name),
                            ("description", self.description), ("unit_price", self.unit_price),
                            ("tax_rate", self.tax_rate), ("unit", self.unit)):
            self._errors.register(key, widget, self.error)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    def _input(self) -> ProductInput:
        errors: dict[str, str] = {}
        numbers = {}
        for key, label, edit in (("unit_price", "Unit price", self.unit_price),
                                 ("tax_rate", "Tax rate", self.tax_rate)):
            try:
                numbers[key] = parse_number(key, label, edit.text(), self._locale)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return ProductInput(self.sku.text(), self.name.text(), numbers["unit_price"],
                            numbers["tax_rate"], self.unit.text(),
                            self.description.toPlainText(), self.active.isChecked())

    def save(self) -> None:
        def save() -> ProductView:
            data = self._input()
            if self._existing is None:
                return self._orders.create_product(data, self._actor)
            return self._orders.update_product(self._existing.id, self._existing.version,
                                               data, self._actor)

        self.saved = save_with_field_errors(self, self._errors, save)
        if self.saved is not None:
            self.accept()
