"""The shop's settings (owner only): name, country, currency, language, quiet period, how
soon queries are answered, and when follow-ups are suggested."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import phonenumbers
from babel import Locale
from babel.numbers import get_territory_currencies
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.formatting import PRIORITY_LABELS
from crm_desktop.gui.widgets import FormDialog
from crm_desktop.models import Priority
from crm_desktop.services.settings_service import BusinessSettings, SettingsService

LOCALES = ["en_US", "en_GB", "en_IE", "en_AU", "en_CA", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_BE", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "sv_SE", "da_DK", "nb_NO"]


# (on/off setting, days setting, what it is, most days, how the days read)
SUGGESTION_RULES = (
    ("suggest_after_delivery", "after_delivery_days", "After an order is delivered", 90,
     "later"),
    ("suggest_after_query", "after_query_days", "After a query is resolved", 90, "later"),
    ("suggest_before_date", "before_date_days", "Before a birthday or anniversary", 60,
     "ahead"),
    ("suggest_when_quiet", "quiet_grace_days", "When a customer goes quiet", 365,
     "past their usual gap"),
)


class SettingsDialog(FormDialog):
    def __init__(self, service: SettingsService, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__("Shop settings", parent)
        self._service = service
        self._actor = actor
        self._current = service.business()
        self.saved: BusinessSettings | None = None
        names = Locale("en").territories

        self.shop_name = QLineEdit(self._current.shop_name)
        self.shop_name.setMaxLength(120)
        self.country = QComboBox()
        for name, code in sorted((names[c], c) for c in phonenumbers.SUPPORTED_REGIONS
                                 if c in names):
            self.country.addItem(name, code)
        self.country.setCurrentIndex(max(0, self.country.findData(self._current.country)))
        self.currency = QLineEdit(self._current.currency)
        self.currency.setMaxLength(3)
        self.currency.setToolTip("Three-letter code, e.g. EUR, GBP, USD")
        self.locale_box = QComboBox()
        self.locale_box.setEditable(True)
        for code in sorted({*LOCALES, self._current.locale}):
            self.locale_box.addItem(f"{Locale.parse(code).display_name} ({code})", code)
        self.locale_box.setCurrentIndex(max(0, self.locale_box.findData(self._current.locale)))
        self.quiet_days = QSpinBox()
        self.quiet_days.setRange(30, 3650)
        self.quiet_days.setSuffix(" days")
        self.quiet_days.setValue(self._current.inactive_after_days)
        self.quiet_days.setToolTip("A customer with no order or contact for this long is shown "
                                   "as inactive")
        self.add_field("Shop &name", self.shop_name, "shop_name")
        self.add_field("&Country", self.country, "country")
        self.add_field("C&urrency", self.currency, "currency")
        self.add_field("&Language and formats", self.locale_box, "locale")
        self.add_field("&Inactive after", self.quiet_days, "inactive_after_days")
        self.response_hours: dict[Priority, QSpinBox] = {}
        for priority in reversed(Priority):
            spin = QSpinBox()
            spin.setRange(1, 24 * 90)
            spin.setSuffix(" hours")
            spin.setValue(self._current.response_hours(priority))
            spin.setToolTip("A query of this priority is overdue when it has waited this long")
            self.response_hours[priority] = spin
            self.add_field(f"Answer {PRIORITY_LABELS[priority].lower()} queries within", spin,
                           f"respond_{priority.value}_hours")
        self.suggestions: dict[str, tuple[QCheckBox, QSpinBox]] = {}
        box = QGroupBox("Suggest a follow-up (proposed on the Today page, never forced)")
        grid = QGridLayout(box)
        for row, (flag, days, label, most, after) in enumerate(SUGGESTION_RULES):
            check = QCheckBox(label)
            check.setChecked(bool(getattr(self._current, flag)))
            spin = QSpinBox()
            spin.setRange(0, most)
            spin.setSuffix(f" days {after}")
            spin.setValue(int(getattr(self._current, days)))
            check.toggled.connect(spin.setEnabled)
            spin.setEnabled(check.isChecked())
            grid.addWidget(check, row, 0)
            grid.addWidget(spin, row, 1)
            self.suggestions[flag] = (check, spin)
            self.watch(days, spin)
        self.insert_below_form(box)
        hint = QLabel("Changing the country changes the default region for phone numbers "
                      "typed without a +country code.")
        hint.setWordWrap(True)
        self.insert_below_form(hint)
        self.country.currentIndexChanged.connect(self._suggest_currency)

    def _suggest_currency(self) -> None:
        currencies = get_territory_currencies(str(self.country.currentData()))
        if currencies:
            self.currency.setText(currencies[0])

    def collect(self) -> BusinessSettings:
        # The language box is editable: a typed code such as "fi_FI" is taken as it is.
        index = self.locale_box.findText(self.locale_box.currentText())
        locale = (self.locale_box.itemData(index) if index >= 0
                  else self.locale_box.currentText().strip())
        return replace(
            self._current,
            shop_name=self.shop_name.text().strip(),
            country=str(self.country.currentData()),
            currency=self.currency.text().strip().upper(),
            locale=str(locale),
            inactive_after_days=self.quiet_days.value(),
            **self._response_hours(),
            **self._suggestion_rules(),
        )

    def _suggestion_rules(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for flag, days, *_rest in SUGGESTION_RULES:
            check, spin = self.suggestions[flag]
            chosen[flag] = check.isChecked()
            chosen[days] = spin.value()
        return chosen

    def _response_hours(self) -> dict[str, Any]:
        return {f"respond_{p.value}_hours": spin.value()
                for p, spin in self.response_hours.items()}

    def save(self) -> None:
        settings = self.collect()

        def save() -> BusinessSettings:
            self._service.save_business(settings, self._actor)
            return settings

        self.saved = self.attempt_save(save)
        if self.saved is not None:
            self.accept()
