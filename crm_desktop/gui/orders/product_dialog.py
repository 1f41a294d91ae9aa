"""Add or edit a catalogue product (also from inside an order, to add one on the spot)."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.services.orders.order_service import OrderService, ProductInput, ProductView
from crm_desktop.validation import gather, parse_number


class ProductDialog(FormDialog):
    def __init__(self, orders: OrderService, actor: Actor, formatter: Formatter,
                 existing: ProductView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(f"Edit {existing.name}" if existing else "New product", parent)
        self._orders = orders
        self._actor = actor
        self._locale = formatter.locale
        self._existing = existing
        self.saved: ProductView | None = None
        self.sku = QLineEdit(existing.sku if existing else "")
        self.name = QLineEdit(existing.name if existing else "")
        self.description = QPlainTextEdit(existing.description if existing else "")
        self.description.setFixedHeight(60)
        self.unit_price = QLineEdit(formatter.amount(existing.unit_price) if existing else "")
        self.unit_price.setPlaceholderText(f"price in {formatter.currency}, before tax")
        rate = existing.tax_rate if existing else orders.default_tax_rate()
        self.tax_rate = QLineEdit(formatter.number(rate) if rate is not None else "")
        self.tax_rate.setPlaceholderText("%")
        self.unit = QLineEdit(existing.unit if existing else "pc")
        self.active = QCheckBox("Can be ordered (untick to retire it; old orders keep it)")
        self.active.setChecked(existing.active if existing else True)
        self.add_field("&SKU", self.sku, "sku")
        self.add_field("&Name", self.name, "name")
        self.add_field("&Description", self.description, "description")
        self.add_field("Unit &price", self.unit_price, "unit_price")
        self.add_field("&Tax rate (%)", self.tax_rate, "tax_rate")
        self.add_field("&Unit", self.unit, "unit")
        self.add_field("", self.active)

    def _input(self) -> tuple[ProductInput, dict[str, str]]:
        """What the form says, and the numbers it could not read (left empty for the service,
        so that it reports every other field too)."""
        errors: dict[str, str] = {}
        price, rate = (gather(errors, partial(parse_number, key, label, edit.text(),
                                              self._locale), None)
                       for key, label, edit in (("unit_price", "Unit price", self.unit_price),
                                                ("tax_rate", "Tax rate", self.tax_rate)))
        return ProductInput(self.sku.text(), self.name.text(), price, rate, self.unit.text(),
                            self.description.toPlainText(), self.active.isChecked()), errors

    def save(self) -> None:
        def save() -> ProductView:
            data, unreadable = self._input()
            try:
                if self._existing is None:
                    return self._orders.create_product(data, self._actor)
                return self._orders.update_product(self._existing.id, self._existing.version,
                                                   data, self._actor)
            except ValidationError as exc:  # with why a number could not be read
                raise ValidationError({**exc.errors, **unreadable}) from exc

        self.saved = self.attempt_save(save)
        if self.saved is not None:
            self.accept()
