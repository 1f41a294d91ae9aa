"""Add or edit a customer. Errors appear at the field that caused them; nothing typed is lost."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import SETTABLE_STATUSES, STATUS_LABELS
from crm_desktop.gui.generated.ui_customer_form import Ui_CustomerForm
from crm_desktop.gui.shared.conflict_dialog import Theirs, save_choosing, saved_at
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.models import AddressKind, ContactKind, CustomerStatus, DateKind, PreferenceKind
from crm_desktop.services.admin.user_service import UserView
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerDetail,
    CustomerInput,
    CustomerService,
    DateInput,
    DuplicateCandidate,
    PreferenceInput,
)
from crm_desktop.services.customers.dates import KIND_LABELS
from crm_desktop.services.edit_conflicts import CUSTOMER_FIELDS

PREFERENCE_LABELS = {
    PreferenceKind.SERVICE_STYLE: "Service style",
    PreferenceKind.CHANNEL: "Preferred channel",
    PreferenceKind.BEST_TIME: "Best time to call",
    PreferenceKind.LANGUAGE: "Language",
    PreferenceKind.OTHER: "Other",
}
NO_YEAR = 1799  # the year box's "no year" value, just below the earliest year allowed
PHONE_LABELS = ["mobile", "home", "work", "other"]
EMAIL_LABELS = ["personal", "work", "other"]


def _remove_button(on_click: Callable[[], None], what: str) -> QToolButton:
    button = QToolButton()
    button.setText("✕")
    button.setToolTip(f"Remove this {what}")
    button.setAccessibleName(f"Remove {what}")
    button.clicked.connect(on_click)
    return button


class ContactRow(QWidget):
    def __init__(self, contact: ContactInput, on_remove: Callable[[ContactRow], None]) -> None:
        super().__init__()
        self.kind = contact.kind
        self.contact_id = contact.id
        self.label = QComboBox()
        self.label.setEditable(True)
        self.label.addItems(PHONE_LABELS if contact.kind is ContactKind.PHONE else EMAIL_LABELS)
        self.label.setCurrentText(contact.label)
        self.label.setFixedWidth(110)
        self.value = QLineEdit(contact.value)
        self.value.setPlaceholderText(
            "phone number, e.g. 030 1234567 or +1 555 013 4567"
            if contact.kind is ContactKind.PHONE else "name@example.com"
        )
        self.primary = QCheckBox("primary")
        self.primary.setChecked(contact.is_primary)
        self.error = error_label()
        icon = QLabel("☎" if contact.kind is ContactKind.PHONE else "✉")
        icon.setFixedWidth(18)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(icon, 0, 0)
        grid.addWidget(self.label, 0, 1)
        grid.addWidget(self.value, 0, 2)
        grid.addWidget(self.primary, 0, 3)
        grid.addWidget(_remove_button(lambda: on_remove(self), "entry"), 0, 4)
        grid.addWidget(self.error, 1, 2, 1, 3)
        grid.setColumnStretch(2, 1)

    def to_input(self) -> ContactInput:
        return ContactInput(self.kind, self.value.text(), self.label.currentText().strip(),
                            self.primary.isChecked(), self.contact_id)


class AddressRow(QFrame):
    def __init__(self, address: AddressInput, on_remove: Callable[[AddressRow], None]) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.address_id = address.id
        self.kind = QComboBox()
        self.kind.addItem("Billing", AddressKind.BILLING.value)
        self.kind.addItem("Shipping", AddressKind.SHIPPING.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(address.kind.value)))
        self.line1 = QLineEdit(address.line1)
        self.line1.setPlaceholderText("street and number")
        self.line2 = QLineEdit(address.line2)
        self.line2.setPlaceholderText("flat, building (optional)")
        self.postal_code = QLineEdit(address.postal_code)
        self.postal_code.setPlaceholderText("postal code")
        self.postal_code.setMaximumWidth(110)
        self.city = QLineEdit(address.city)
        self.city.setPlaceholderText("city")
        self.region = QLineEdit(address.region)
        self.region.setPlaceholderText("state / region")
        self.country = QLineEdit(address.country)
        self.country.setPlaceholderText("country code")
        self.country.setMaximumWidth(60)
        self.primary = QCheckBox("primary")
        self.primary.setChecked(address.is_primary)
        self.error = error_label()
        grid = QGridLayout(self)
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.line1, 0, 1, 1, 3)
        grid.addWidget(self.primary, 0, 4)
        grid.addWidget(_remove_button(lambda: on_remove(self), "address"), 0, 5)
        grid.addWidget(self.line2, 1, 1, 1, 3)
        grid.addWidget(self.postal_code, 2, 1)
        grid.addWidget(self.city, 2, 2)
        grid.addWidget(self.region, 2, 3)
        grid.addWidget(self.country, 2, 4)
        grid.addWidget(self.error, 3, 1, 1, 4)
        grid.setColumnStretch(2, 1)

    def fields(self) -> dict[str, QWidget]:
        return {"line1": self.line1, "line2": self.line2, "postal_code": self.postal_code,
                "city": self.city, "region": self.region, "country": self.country}

    def to_input(self) -> AddressInput:
        return AddressInput(
            self.line1.text(), self.line2.text(), self.postal_code.text(), self.city.text(),
            self.region.text(), self.country.text().strip().upper(),
            AddressKind(self.kind.currentData()), "", self.primary.isChecked(), self.address_id)


class PreferenceRow(QWidget):
    def __init__(self, preference: PreferenceInput,
                 on_remove: Callable[[PreferenceRow], None]) -> None:
        super().__init__()
        self.preference_id = preference.id
        self.kind = QComboBox()
        for kind, label in PREFERENCE_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(preference.kind.value)))
        self.text = QLineEdit(preference.text)
        self.text.setPlaceholderText("e.g. Always in a hurry — keep it short")
        self.pinned = QCheckBox("pin to banner")
        self.pinned.setToolTip("Pinned preferences are shown first whenever the profile opens")
        self.pinned.setChecked(preference.pinned)
        self.error = error_label()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.text, 0, 1)
        grid.addWidget(self.pinned, 0, 2)
        grid.addWidget(_remove_button(lambda: on_remove(self), "preference"), 0, 3)
        grid.addWidget(self.error, 1, 1, 1, 3)
        grid.setColumnStretch(1, 1)

    def to_input(self) -> PreferenceInput:
        return PreferenceInput(PreferenceKind(self.kind.currentData()), self.text.text(),
                               self.pinned.isChecked(), self.preference_id)


class DateRow(QWidget):
    def __init__(self, important: DateInput, on_remove: Callable[[DateRow], None]) -> None:
        super().__init__()
        self.date_id = important.id
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label if kind is not DateKind.CUSTOM else "Other", kind.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(important.kind.value)))
        self.label = QLineEdit(important.label)
        self.label.setPlaceholderText("e.g. Wedding day (needed for Other)")
        self.day = QSpinBox()
        self.day.setRange(1, 31)
        self.day.setValue(important.day)
        self.month = QComboBox()
        for number in range(1, 13):
            self.month.addItem(calendar.month_name[number], number)
        self.month.setCurrentIndex(important.month - 1)
        self.year = QSpinBox()
        self.year.setRange(NO_YEAR, 2200)
        self.year.setSpecialValueText("no year")  # shown for NO_YEAR: the year is optional
        self.year.setValue(important.year or NO_YEAR)
        self.error = error_label()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.day, 0, 1)
        grid.addWidget(self.month, 0, 2)
        grid.addWidget(self.year, 0, 3)
        grid.addWidget(self.label, 0, 4)
        grid.addWidget(_remove_button(lambda: on_remove(self), "date"), 0, 5)
        grid.addWidget(self.error, 1, 0, 1, 6)
        grid.setColumnStretch(4, 1)

    def to_input(self) -> DateInput:
        year = self.year.value()
        return DateInput(DateKind(self.kind.currentData()), int(self.month.currentData()),
                         self.day.value(), None if year == NO_YEAR else year,
                         self.label.text(), self.date_id)


DUPLICATE_CHECK_MS = 300


class CustomerFormDialog(QDialog):
    """Create a customer (``existing=None``) or edit one."""

    open_existing = Signal(int)  # the person chose an existing customer over a duplicate
    show_changes = Signal(int)  # the person asked what another desk changed on this customer

    def __init__(self, service: CustomerService, actor: Actor, users: list[UserView],
                 existing: CustomerDetail | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_CustomerForm()
        self.ui.setupUi(self)
        self._service = service
        self._actor = actor
        self._users = {user.id: user.display_name for user in users}
        self._existing = existing
        self.saved: CustomerDetail | None = None
        self._errors = FieldErrors()
        self._contacts: list[ContactRow] = []
        self._addresses: list[AddressRow] = []
        self._preferences: list[PreferenceRow] = []
        self._dates: list[DateRow] = []
        self.ui.error_banner.hide()

        # While creating, warn as soon as this looks like someone the shop already knows.
        self.duplicates = QFrame()
        self.duplicates.setObjectName("duplicates")
        self.duplicates.setStyleSheet("#duplicates { background: #fff4e5; border: 1px solid "
                                      "#f0c27a; border-radius: 4px; }")
        self._duplicates_layout = QHBoxLayout(self.duplicates)
        self.duplicates.hide()
        self.ui.dialog_layout.insertWidget(1, self.duplicates)
        # Another desk saved this customer while the form is open: said here, and what was
        # typed stays (saving then meets their version and asks which to keep).
        self.elsewhere = QFrame()
        self.elsewhere.setObjectName("elsewhere")
        self.elsewhere.setStyleSheet("#elsewhere { background: #e8f0fe; border: 1px solid "
                                     "#a8c2f0; border-radius: 4px; }")
        elsewhere_layout = QHBoxLayout(self.elsewhere)
        self.elsewhere_text = QLabel()
        self.elsewhere_text.setWordWrap(True)
        self.show_elsewhere = QPushButton("Show what changed…")
        elsewhere_layout.addWidget(self.elsewhere_text, 1)
        elsewhere_layout.addWidget(self.show_elsewhere)
        self.elsewhere.hide()
        self.ui.dialog_layout.insertWidget(1, self.elsewhere)
        if existing is not None:
            self.show_elsewhere.clicked.connect(lambda: self.show_changes.emit(existing.id))
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(DUPLICATE_CHECK_MS)
        self._duplicate_timer.timeout.connect(self.check_duplicates)
        if existing is None:
            for edit in (self.ui.first_name, self.ui.last_name):
                edit.textEdited.connect(self._duplicate_timer.start)

        for status in SETTABLE_STATUSES:
            self.ui.status.addItem(STATUS_LABELS[status], status.value)
        self.ui.status.setToolTip("Inactive is worked out from the quiet period in settings")
        for user in users:
            self.ui.owner.addItem(user.display_name, user.id)

        form = ((existing.as_input() if existing else None) or CustomerInput(
            owner_id=actor.user_id,
            contacts=[ContactInput(ContactKind.PHONE, ""), ContactInput(ContactKind.EMAIL, "")],
        ))
        self._load(form)
        self._initial = self.collect()
        self.setWindowTitle(f"Edit {existing.display_name}" if existing else "New customer")

        self._register_fixed_fields()
        self.ui.status.currentIndexChanged.connect(self._status_changed)
        self._status_changed()
        self.ui.add_phone.clicked.connect(
            lambda: self._add_contact(ContactInput(ContactKind.PHONE, ""), focus=True))
        self.ui.add_email.clicked.connect(
            lambda: self._add_contact(ContactInput(ContactKind.EMAIL, ""), focus=True))
        self.ui.add_address.clicked.connect(lambda: self._add_address(AddressInput(""), True))
        self.ui.add_date.clicked.connect(
            lambda: self._add_date(DateInput(DateKind.BIRTHDAY, 1, 1), True))
        self.ui.add_preference.clicked.connect(
            lambda: self._add_preference(PreferenceInput(PreferenceKind.SERVICE_STYLE, ""), True))
        self.ui.buttons.accepted.connect(self.save)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.first_name.setFocus()


    # ---- filling and reading the form ------------------------------------------------------

    def _load(self, data: CustomerInput) -> None:
        self.ui.first_name.setText(data.first_name)
        self.ui.last_name.setText(data.last_name)
        self.ui.company.setText(data.company)
        stored = CustomerStatus.CUSTOMER if data.status is CustomerStatus.INACTIVE else data.status
        self.ui.status.setCurrentIndex(max(0, self.ui.status.findData(stored.value)))
        self.ui.lost_reason.setText(data.lost_reason)
        if data.owner_id is not None:
            self.ui.owner.setCurrentIndex(max(0, self.ui.owner.findData(data.owner_id)))
        self.ui.source.setText(data.source)
        self.ui.tags.setText(", ".join(data.tags))
        for contact in data.contacts:
            self._add_contact(contact)
        for address in data.addresses:
            self._add_address(address)
        for preference in data.preferences:
            self._add_preference(preference)
        for important in data.dates:
            self._add_date(important)

    def collect(self) -> CustomerInput:
        owner = self.ui.owner.currentData()
        return CustomerInput(
            first_name=self.ui.first_name.text(),
            last_name=self.ui.last_name.text(),
            company=self.ui.company.text(),
            status=CustomerStatus(self.ui.status.currentData()),
            lost_reason=self.ui.lost_reason.text(),
            owner_id=int(owner) if owner is not None else None,
            source=self.ui.source.text(),
            tags=[t.strip() for t in self.ui.tags.text().split(",") if t.strip()],
            # Empty rows the form offered but nobody filled in are not data.
            contacts=[r.to_input() for r in self._contacts if r.value.text().strip()],
            addresses=[r.to_input() for r in self._addresses if any(
                w.text().strip() for w in r.fields().values() if isinstance(w, QLineEdit))],
            preferences=[r.to_input() for r in self._preferences if r.text.text().strip()],
            dates=[r.to_input() for r in self._dates],
        )

    def is_dirty(self) -> bool:
        return self.collect() != self._initial

    # ---- rows --------------------------------------------------------------------------------

    def check_duplicates(self) -> None:
        """Show the existing customers this new one may be, with a button to open each."""
        self._duplicate_timer.stop()
        found = self._service.find_duplicates(self.collect())
        while self._duplicates_layout.count():
            item = self._duplicates_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not found:
            self.duplicates.hide()
            return
        self._duplicates_layout.addWidget(QLabel("<b>Already a customer?</b>"))
        for candidate in found:
            button = QPushButton(f"Open {candidate.display_name} ({candidate.reason})")
            button.setObjectName(f"open_duplicate_{candidate.id}")
            button.clicked.connect(lambda _=False, c=candidate.id: self._open_existing(c))
            self._duplicates_layout.addWidget(button)
        self._duplicates_layout.addStretch(1)
        self.duplicates.show()

    def _open_existing(self, customer_id: int) -> None:
        # The person chose the existing customer: what was typed here is not wanted.
        self._initial = self.collect()
        self.done(QDialog.DialogCode.Rejected)
        self.open_existing.emit(customer_id)

    def _add_contact(self, contact: ContactInput, focus: bool = False) -> None:
        row = ContactRow(contact, self._remove_contact)
        self._contacts.append(row)
        if self._existing is None:
            row.value.editingFinished.connect(self._duplicate_timer.start)
        self.ui.contacts_layout.addWidget(row)
        self._register_rows()
        if focus:
            row.value.setFocus()

    def _remove_contact(self, row: ContactRow) -> None:
        self._contacts.remove(row)
        self._drop(row)

    def _add_address(self, address: AddressInput, focus: bool = False) -> None:
        row = AddressRow(address, self._remove_address)
        self._addresses.append(row)
        self.ui.addresses_layout.addWidget(row)
        self._register_rows()
        if focus:
            row.line1.setFocus()

    def _remove_address(self, row: AddressRow) -> None:
        self._addresses.remove(row)
        self._drop(row)

    def _add_preference(self, preference: PreferenceInput, focus: bool = False) -> None:
        row = PreferenceRow(preference, self._remove_preference)
        self._preferences.append(row)
        self.ui.preferences_layout.addWidget(row)
        self._register_rows()
        if focus:
            row.text.setFocus()

    def _remove_preference(self, row: PreferenceRow) -> None:
        self._preferences.remove(row)
        self._drop(row)

    def _add_date(self, important: DateInput, focus: bool = False) -> None:
        row = DateRow(important, self._remove_date)
        self._dates.append(row)
        self.ui.dates_layout.addWidget(row)
        self._register_rows()
        if focus:
            row.kind.setFocus()

    def _remove_date(self, row: DateRow) -> None:
        self._dates.remove(row)
        self._drop(row)

    def _drop(self, row: QWidget) -> None:
        row.hide()
        row.deleteLater()
        self._register_rows()

    def _register_fixed_fields(self) -> None:
        ui = self.ui
        for key, widget in (("first_name", ui.first_name), ("last_name", ui.last_name),
                            ("company", ui.company), ("status", ui.status),
                            ("lost_reason", ui.lost_reason), ("owner_id", ui.owner),
                            ("source", ui.source), ("tags", ui.tags)):
            self._errors.register(key, widget)

    def _register_rows(self) -> None:
        """Error keys follow the service's numbering: only rows that will be sent count."""
        for prefix in ("contacts.", "addresses.", "preferences.", "tags.", "dates."):
            self._errors.unregister_prefix(prefix)
        sent = [r for r in self._contacts if r.value.text().strip()]
        for i, row in enumerate(sent):
            self._errors.register(f"contacts.{i}.value", row.value, row.error)
            self._errors.register(f"contacts.{i}.label", row.label, row.error)
            self._errors.register(f"contacts.{i}.is_primary", row.primary, row.error)
        sent_a = [r for r in self._addresses if any(w.text().strip() for w in r.fields().values()
                                                    if isinstance(w, QLineEdit))]
        for i, row_a in enumerate(sent_a):
            for name, widget in row_a.fields().items():
                self._errors.register(f"addresses.{i}.{name}", widget, row_a.error)
        sent_p = [r for r in self._preferences if r.text.text().strip()]
        for i, row_p in enumerate(sent_p):
            self._errors.register(f"preferences.{i}.text", row_p.text, row_p.error)
        for i, row_d in enumerate(self._dates):
            for name, widget in (("day", row_d.day), ("label", row_d.label),
                                 ("year", row_d.year), ("month", row_d.month)):
                self._errors.register(f"dates.{i}.{name}", widget, row_d.error)
        tags = [t for t in self.ui.tags.text().split(",") if t.strip()]
        for i in range(len(tags)):
            self._errors.register(f"tags.{i}", self.ui.tags)

    @property
    def customer_id(self) -> int | None:
        """The customer being edited (None: a new one)."""
        return self._existing.id if self._existing is not None else None

    def changed_elsewhere(self, message: str) -> None:
        """Another desk saved this customer: say so above the fields, which keep what was
        typed."""
        self.elsewhere_text.setText(message)
        self.elsewhere.show()

    def _status_changed(self) -> None:
        lost = self.ui.status.currentData() == CustomerStatus.LOST.value
        self.ui.lost_reason.setEnabled(lost)
        self.ui.lost_reason.setPlaceholderText("required when the customer is lost" if lost
                                               else "")

    # ---- saving and closing --------------------------------------------------------------

    def save(self) -> None:
        data = self.collect()
        self._register_rows()
        if self._existing is None and not self._not_a_duplicate(data):
            return
        existing = self._existing
        saved = attempt(self, lambda: self._service.create(data, self._actor)
                        if existing is None else self._update(existing, data),
                        fields=self._errors, summary=self._show_summary)
        if saved is None:
            return  # the dialog stays open: what was typed is still here
        self.saved = saved
        self._errors.clear()
        self._initial = self.collect()  # saved: nothing left to lose
        self.done(QDialog.DialogCode.Accepted)

    def _update(self, existing: CustomerDetail, data: CustomerInput) -> CustomerDetail | None:
        """Save the edit. If the other desk saved this customer since the form opened, what
        differs is shown side by side and what the person chooses is saved; None: they went
        back to the form, which still holds everything they typed."""
        def reload() -> Theirs[CustomerInput]:
            theirs = self._service.get(existing.id)
            return Theirs(theirs.version, theirs.as_input(), theirs.display_name,
                          theirs.updated_by_name, saved_at(theirs.updated_at))

        return save_choosing(
            lambda version, mine: self._service.update(existing.id, version, mine, self._actor),
            version=existing.version, base=existing.as_input(), mine=data, reload=reload,
            fields=CUSTOMER_FIELDS, shown=self._shown, parent=self)

    def _shown(self, name: str, value: Any) -> str:
        """A field's value in words, for the side-by-side choice."""
        if name == "contacts":
            return "\n".join(c.value + (f" ({c.label})" if c.label else "")
                             for c in value if c.value.strip())
        if name == "addresses":
            return "\n".join(", ".join(p for p in (a.line1, a.line2,
                                                    f"{a.postal_code} {a.city}".strip(),
                                                    a.region, a.country) if p)
                             for a in value if a.line1.strip())
        if name == "preferences":
            return "\n".join(p.text for p in value if p.text.strip())
        if name == "dates":
            return "\n".join(f"{KIND_LABELS[d.kind]}: {d.day} {calendar.month_name[d.month]}"
                             + (f" {d.year}" if d.year else "")
                             for d in value)
        if name == "status":
            return str(STATUS_LABELS.get(value, value))
        if name == "owner_id":
            return self._users.get(value, "") if isinstance(value, int) else ""
        if name == "tags":
            return ", ".join(value)
        return str(value)

    def _show_summary(self, exc: ValidationError, first: QWidget) -> None:
        count = len(exc.errors)
        summary = "Please correct the highlighted field." if count == 1 else \
            f"Please correct the {count} highlighted fields."
        self.ui.error_banner.setText(f"{summary} {next(iter(exc.errors.values()))}")
        self.ui.error_banner.show()
        self.ui.scroll.ensureWidgetVisible(first)

    def _not_a_duplicate(self, data: CustomerInput) -> bool:
        """Someone with this phone number or e-mail is already a customer: the safe choice,
        opening them, is what Enter does; creating a second one is a deliberate click."""
        found = attempt(self, lambda: self._service.find_duplicates(data))
        if found is None:  # the check itself failed (said): nothing saved, the form stays
            return False
        same = [c for c in found if c.same_contact]
        if not same:
            return True
        box = self.duplicate_question(same[0])
        box.exec()
        if box.clickedButton() is box.property("create_button"):
            return True
        if box.clickedButton() is box.defaultButton():
            self._open_existing(same[0].id)
        return False

    def duplicate_question(self, candidate: DuplicateCandidate) -> QMessageBox:
        name = candidate.display_name
        short = name if len(name) <= 40 else name[:39] + "…"
        box = QMessageBox(QMessageBox.Icon.Warning, "Already a customer?",
                          f"{name} is already a customer with the "
                          f"{candidate.reason.removeprefix('same ')}.", parent=self)
        box.setInformativeText("Open their profile to add to it, rather than keeping the "
                               "same person twice.")
        open_button = box.addButton(f"Open {short}", QMessageBox.ButtonRole.AcceptRole)
        create = box.addButton("Create a second customer", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(open_button)
        box.setProperty("create_button", create)
        return box

    def reject(self) -> None:
        if self.is_dirty() and not self._confirm_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.isVisible() and self.is_dirty() and not self._confirm_discard():
            event.ignore()
            return
        event.accept()
        super().reject()

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self, "Discard changes?",
            "You have changes that are not saved. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

