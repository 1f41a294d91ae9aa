"""A customer's profile: who they are and how they like to be treated, before anything else."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.customer_form import PREFERENCE_LABELS
from crm_desktop.models import ContactKind, CustomerStatus
from crm_desktop.services.customer_service import CustomerDetail

STATUS_COLORS = {
    CustomerStatus.PROSPECT: "#1d4ed8",
    CustomerStatus.CUSTOMER: "#15803d",
    CustomerStatus.INACTIVE: "#92400e",
    CustomerStatus.LOST: "#6b7280",
}


def _clear(layout: QVBoxLayout | QGridLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class CustomerProfileView(QWidget):
    back = Signal()
    edit = Signal(int)
    delete = Signal(int, int)  # customer id, version

    def __init__(self, formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self.customer: CustomerDetail | None = None

        self.back_button = QPushButton("← Customers")
        self.back_button.setFlat(True)
        self.edit_button = QPushButton("&Edit")
        self.delete_button = QPushButton("Delete…")
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.delete_button)

        self.name_label = QLabel()
        self.name_label.setObjectName("profile_name")
        self.name_label.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setObjectName("remember_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet(
            "background: #fff7d6; border: 1px solid #f0d77a; border-radius: 6px; padding: 10px;"
            "font-size: 11pt;"
        )

        header = QVBoxLayout()
        title = QHBoxLayout()
        title.addWidget(self.name_label)
        title.addWidget(self.status_label)
        title.addStretch(1)
        header.addLayout(title)
        header.addWidget(self.facts_label)
        header.addWidget(self.banner)

        self.contacts_box = QGroupBox("Contact")
        self.contacts_grid = QGridLayout(self.contacts_box)
        self.addresses_box = QGroupBox("Addresses")
        self.addresses_layout = QVBoxLayout(self.addresses_box)
        self.preferences_box = QGroupBox("Preferences")
        self.preferences_layout = QVBoxLayout(self.preferences_box)

        body = QWidget()
        columns = QHBoxLayout(body)
        left = QVBoxLayout()
        left.addWidget(self.contacts_box)
        left.addWidget(self.addresses_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.preferences_box)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)

        self.back_button.clicked.connect(self.back)
        self.edit_button.clicked.connect(self._edit)
        self.delete_button.clicked.connect(self._delete)

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def show_customer(self, customer: CustomerDetail) -> None:
        self.customer = customer
        f = self._formatter
        self.name_label.setText(customer.display_name)
        color = STATUS_COLORS[customer.shown_status]
        status = f.status(customer.shown_status)
        if customer.status is CustomerStatus.LOST and customer.lost_reason:
            status += f": {customer.lost_reason}"
        if customer.shown_status is CustomerStatus.INACTIVE:
            status += f" since {f.date(customer.last_activity_at)}"
        self.status_label.setText(status)
        self.status_label.setStyleSheet(
            f"color: white; background: {color}; border-radius: 8px; padding: 2px 8px;")
        facts = [customer.number]
        if customer.company and (customer.first_name or customer.last_name):
            facts.append(customer.company)
        if customer.owner_name:
            facts.append(f"Looked after by {customer.owner_name}")
        if customer.tags:
            facts.append("Tags: " + ", ".join(customer.tags))
        if customer.next_follow_up_at:
            facts.append(f"Next follow-up {f.date(customer.next_follow_up_at)}")
        if customer.last_contact_at:
            facts.append(f"Last contact {f.date(customer.last_contact_at)}")
        self.facts_label.setText("  ·  ".join(facts))
        self._fill_banner(customer)
        self._fill_contacts(customer)
        self._fill_addresses(customer)
        self._fill_preferences(customer)

    def banner_text(self) -> str:
        return self.banner.text()

    def _fill_banner(self, customer: CustomerDetail) -> None:
        items = [f"<b>{escape(PREFERENCE_LABELS[p.kind])}:</b> {escape(p.text)}"
                 for p in customer.preferences if p.pinned]
        items += [f"<b>Note:</b> {escape(n.text)}" for n in customer.notes if n.pinned]
        if items:
            self.banner.setText("<b>Remember</b><br>" + "<br>".join(f"• {i}" for i in items))
            self.banner.show()
        else:
            self.banner.clear()
            self.banner.hide()

    def _fill_contacts(self, customer: CustomerDetail) -> None:
        _clear(self.contacts_grid)
        if not customer.contacts:
            self.contacts_grid.addWidget(QLabel("No phone or e-mail yet."), 0, 0)
        for row, contact in enumerate(customer.contacts):
            icon = "☎" if contact.kind is ContactKind.PHONE else "✉"
            label = QLabel(f"{icon} {escape(contact.label or contact.kind.value)}"
                           + (" <i>(primary)</i>" if contact.is_primary else ""))
            value = QLabel(contact.value)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            copy = QToolButton()
            copy.setText("Copy")
            copy.setToolTip(f"Copy {contact.value}")
            copy.setObjectName(f"copy_{contact.id}")
            copy.clicked.connect(lambda _=False, v=contact.value: self._copy(v))
            self.contacts_grid.addWidget(label, row, 0)
            self.contacts_grid.addWidget(value, row, 1)
            self.contacts_grid.addWidget(copy, row, 2)
        self.contacts_grid.setColumnStretch(1, 1)

    def _fill_addresses(self, customer: CustomerDetail) -> None:
        _clear(self.addresses_layout)
        if not customer.addresses:
            self.addresses_layout.addWidget(QLabel("No address yet."))
        for address in customer.addresses:
            title = address.kind.value.capitalize() + (" (primary)" if address.is_primary else "")
            text = QLabel(f"<i>{escape(title)}</i><br>"
                          + "<br>".join(escape(line) for line in address.lines()))
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.addresses_layout.addWidget(text)

    def _fill_preferences(self, customer: CustomerDetail) -> None:
        _clear(self.preferences_layout)
        if not customer.preferences:
            self.preferences_layout.addWidget(QLabel("Nothing recorded yet — add how they like "
                                                     "to be served with Edit."))
        for preference in customer.preferences:
            pin = "★ " if preference.pinned else ""  # no emoji: not every desktop has the font
            label = QLabel(f"{pin}<b>{escape(PREFERENCE_LABELS[preference.kind])}:</b> "
                           f"{escape(preference.text)}")
            label.setWordWrap(True)
            self.preferences_layout.addWidget(label)

    def _copy(self, value: str) -> None:
        QApplication.clipboard().setText(value)

    def _edit(self) -> None:
        if self.customer is not None:
            self.edit.emit(self.customer.id)

    def _delete(self) -> None:
        if self.customer is not None:
            self.delete.emit(self.customer.id, self.customer.version)
