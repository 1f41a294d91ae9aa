"""The shop's settings (owner only): name, country, currency, language and quiet period;
how soon queries are answered and when follow-ups are suggested; the business profile
printed on invoices; and how invoices are numbered, printed and signed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import phonenumbers
from babel import Locale
from babel.numbers import get_territory_currencies
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.formatting import PRIORITY_LABELS
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import Priority
from crm_desktop.paper import ENVELOPE_FEEDS, ENVELOPES, LABEL_SHEETS, PRINTED_ENVELOPES
from crm_desktop.services.admin.settings_service import (
    NOTE_PLACEHOLDERS,
    BusinessSettings,
    SettingsService,
)

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
        self.retention_years = QSpinBox()
        self.retention_years.setRange(1, 50)
        self.retention_years.setSuffix(" years")
        self.retention_years.setValue(self._current.retention_years)
        self.retention_years.setToolTip(
            "Customers with no contact or order for this long are listed in Customer → "
            "Customers to review, to erase their personal data or keep them")
        self.add_field("Shop &name", self.shop_name, "shop_name")
        self.add_field("&Country", self.country, "country")
        self.add_field("C&urrency", self.currency, "currency")
        self.add_field("&Language and formats", self.locale_box, "locale")
        self.add_field("&Inactive after", self.quiet_days, "inactive_after_days")
        self.add_field("&Review for erasure after", self.retention_years, "retention_years")
        self.tabs = QTabWidget()
        self.insert_below_form(self.tabs)
        work = self._tab("&Queries and follow-ups")
        self.response_hours: dict[Priority, QSpinBox] = {}
        for priority in reversed(Priority):
            spin = QSpinBox()
            spin.setRange(1, 24 * 90)
            spin.setSuffix(" hours")
            spin.setValue(self._current.response_hours(priority))
            spin.setToolTip("A query of this priority is overdue when it has waited this long")
            self.response_hours[priority] = spin
            self._row(work, f"Answer {PRIORITY_LABELS[priority].lower()} queries within", spin,
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
        work.addRow(box)
        self._build_profile_tab()
        self._build_invoice_tab()
        self._build_post_tab()
        hint = QLabel("Changing the country changes the default region for phone numbers "
                      "typed without a +country code.")
        hint.setWordWrap(True)
        self.insert_below_form(hint)
        self.country.currentIndexChanged.connect(self._suggest_currency)

    def _tab(self, title: str) -> QFormLayout:
        page = QWidget()
        form = QFormLayout(page)
        self.tabs.addTab(page, title)
        return form

    def _row(self, form: QFormLayout, label: str, widget: QWidget, key: str) -> None:
        form.addRow(label, widget)
        self.watch(key, widget)

    def _text(self, value: str, lines: int = 0) -> QLineEdit | QPlainTextEdit:
        if not lines:
            return QLineEdit(value)
        edit = QPlainTextEdit(value)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
        return edit

    def _build_profile_tab(self) -> None:
        form = self._tab("&Business profile")
        c = self._current
        self.address = self._text(c.address, 3)
        self.address.setPlaceholderText("Street and number\nPostal code and town")
        self.phone = self._text(c.phone)
        self.email = self._text(c.email)
        self.tax_id = self._text(c.tax_id)
        self.tax_id.setPlaceholderText("VAT or tax number, printed on every invoice")
        self.bank_details = self._text(c.bank_details, 3)
        self.bank_details.setPlaceholderText("Bank\nIBAN or account and routing number\nBIC")
        self.sender_name = self._text(c.sender_name)
        self.sender_name.setPlaceholderText("Who signs the thank-you notes, e.g. Anna")
        for label, widget, key in (("Address", self.address, "address"),
                                   ("Phone", self.phone, "phone"),
                                   ("E-mail", self.email, "email"),
                                   ("Tax ID", self.tax_id, "tax_id"),
                                   ("Bank details", self.bank_details, "bank_details"),
                                   ("Sender's name", self.sender_name, "sender_name")):
            self._row(form, label, widget, key)
        self.images: dict[str, bytes | None] = {}  # newly chosen pictures (None: removed)
        self.image_labels: dict[str, QLabel] = {}
        for key, label in (("logo_image", "Logo"), ("signature_image", "Scanned signature")):
            shown = QLabel("set" if getattr(c, key) else "none")
            choose = QPushButton("Choose…")
            remove = QPushButton("Remove")
            choose.clicked.connect(lambda _=False, k=key: self.choose_image(k))
            remove.clicked.connect(lambda _=False, k=key: self.set_image(k, None, "none"))
            row = QHBoxLayout()
            row.addWidget(shown, 1)
            row.addWidget(choose)
            row.addWidget(remove)
            holder = QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self.image_labels[key] = shown
            self._row(form, label, holder, key)

    def _build_invoice_tab(self) -> None:
        form = self._tab("I&nvoices")
        c = self._current
        self.terms = QSpinBox()
        self.terms.setRange(0, 365)
        self.terms.setSuffix(" days")
        self.terms.setValue(c.payment_terms_days)
        self.envelope = QComboBox()
        for code, (label, paper) in ENVELOPES.items():
            self.envelope.addItem(f"{label}, {paper}", code)
        self.envelope.setCurrentIndex(max(0, self.envelope.findData(c.envelope)))
        self.number_format = self._text(c.invoice_number_format)
        self.number_format.setToolTip("{year} and {seq} (the count, restarting each year); "
                                      "{seq:04d} pads it to four digits: 2026-0042")
        placeholders = ", ".join(f"{{{name}}}" for name in NOTE_PLACEHOLDERS)
        self.note_first = self._text(c.note_first_order, 5)
        self.note_returning = self._text(c.note_returning, 5)
        for edit in (self.note_first, self.note_returning):
            edit.setToolTip(f"Placeholders: {placeholders}. A line whose placeholder is empty "
                            "is left out.")
        self.note_on_card = QCheckBox("Print the note on a separate card page")
        self.note_on_card.setChecked(c.note_on_card)
        for label, widget, key in (("Payment terms", self.terms, "payment_terms_days"),
                                   ("Paper and envelope", self.envelope, "envelope"),
                                   ("Number format", self.number_format,
                                    "invoice_number_format"),
                                   ("Note, first order", self.note_first, "note_first_order"),
                                   ("Note, returning", self.note_returning, "note_returning"),
                                   ("", self.note_on_card, "note_on_card")):
            self._row(form, label, widget, key)

    def _build_post_tab(self) -> None:
        form = self._tab("&Post")
        c = self._current
        self.post_envelope = _choices(PRINTED_ENVELOPES, c.post_envelope)
        self.envelope_feed = _choices(ENVELOPE_FEEDS, c.envelope_feed)
        self.envelope_face = QComboBox()
        self.envelope_face.addItems(["Face down", "Face up"])
        self.envelope_face.setCurrentIndex(int(c.envelope_face_up))
        self.envelope_face.setToolTip("How your printer wants envelopes put in: said each "
                                      "time envelopes are printed")
        self.label_sheet = _choices(LABEL_SHEETS, c.label_sheet)
        self.return_envelope = QCheckBox("Print a return envelope with each invoice")
        self.return_envelope.setChecked(c.return_envelope)
        self.return_envelope.setToolTip("Addressed to the shop, for the customer to pay or "
                                        "write back; also in batch printing")
        self.reply_postage = self._text(c.reply_postage, 3)
        self.reply_postage.setPlaceholderText("Empty: a marked place for a stamp. Or your "
                                              "licence text, e.g. Freepost RTKZ-1234")
        for label, widget, key in (("Envelope", self.post_envelope, "post_envelope"),
                                   ("The printer takes envelopes", self.envelope_feed,
                                    "envelope_feed"),
                                   ("Put in", self.envelope_face, "envelope_face_up"),
                                   ("Address labels", self.label_sheet, "label_sheet"),
                                   ("", self.return_envelope, "return_envelope"),
                                   ("Return envelope postage", self.reply_postage,
                                    "reply_postage")):
            self._row(form, label, widget, key)

    def choose_image(self, key: str) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "Choose a picture", "",
                                                      "Pictures (*.png *.jpg *.jpeg)")
        if chosen:
            path = Path(chosen)
            self.set_image(key, path.read_bytes(), path.name)

    def set_image(self, key: str, content: bytes | None, shown: str) -> None:
        self.images[key] = content
        self.image_labels[key].setText(shown)

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
            retention_years=self.retention_years.value(),
            **self._response_hours(),
            **self._suggestion_rules(),
            **self._profile(),
        )

    def _profile(self) -> dict[str, Any]:
        def plain(edit: QLineEdit | QPlainTextEdit) -> str:
            text = edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()
            return text.strip()

        envelope = str(self.envelope.currentData())
        return {
            "address": plain(self.address), "phone": plain(self.phone),
            "email": plain(self.email), "tax_id": plain(self.tax_id),
            "bank_details": plain(self.bank_details), "sender_name": plain(self.sender_name),
            "payment_terms_days": self.terms.value(), "envelope": envelope,
            "paper": ENVELOPES[envelope][1],
            "invoice_number_format": plain(self.number_format),
            "note_first_order": plain(self.note_first),
            "note_returning": plain(self.note_returning),
            "note_on_card": self.note_on_card.isChecked(),
            "post_envelope": str(self.post_envelope.currentData()),
            "envelope_feed": str(self.envelope_feed.currentData()),
            "envelope_face_up": self.envelope_face.currentIndex() == 1,
            "label_sheet": str(self.label_sheet.currentData()),
            "return_envelope": self.return_envelope.isChecked(),
            "reply_postage": plain(self.reply_postage),
        }

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
            chosen: dict[str, Any] = {
                key: (self._service.store_image(content, self._actor, field=key)
                      if content else "")
                for key, content in self.images.items()}
            final = replace(settings, **chosen)
            self._service.save_business(final, self._actor)
            return final

        self.saved = self.attempt_save(save)
        if self.saved is not None:
            self.accept()
            return
        # Show the tab holding the first field to put right.
        marked = self.field_errors.marked
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if marked and page is not None and page.isAncestorOf(marked[0]):
                self.tabs.setCurrentIndex(index)


def _choices(titles: dict[str, str], current: str) -> QComboBox:
    box = QComboBox()
    for code, title in titles.items():
        box.addItem(title, code)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box
