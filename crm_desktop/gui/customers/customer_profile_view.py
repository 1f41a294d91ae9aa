"""A customer's profile: who they are and how they like to be treated, before anything else."""

from __future__ import annotations

import calendar
from html import escape

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.customers.consent_dialog import consent_summary
from crm_desktop.gui.customers.customer_form import PREFERENCE_LABELS
from crm_desktop.gui.customers.timeline_model import TimelineModel
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.gui.shared.widgets import (
    ElidedLabel,
    breakable,
    read_only_table,
    wrapping_label,
)
from crm_desktop.models import ConsentChannel, ContactKind, CustomerStatus
from crm_desktop.services.customers.consent import CHANNEL_LABELS
from crm_desktop.services.customers.customer_service import AddressView, CustomerDetail
from crm_desktop.services.customers.dates import KIND_LABELS
from crm_desktop.services.customers.timeline_service import KIND_LABELS as TIMELINE_LABELS
from crm_desktop.services.customers.timeline_service import TimelineKind
from crm_desktop.services.feedback.feedback_service import RatingSummary

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


TIMELINE_FILTERS: tuple[tuple[str, tuple[TimelineKind, ...]], ...] = (
    ("Everything", ()),
    ("Calls, visits, e-mails, letters, notes", (
        TimelineKind.CALL, TimelineKind.VISIT, TimelineKind.EMAIL, TimelineKind.LETTER,
        TimelineKind.NOTE)),
    *((TIMELINE_LABELS[k] + "s", (k,)) for k in (
        TimelineKind.ORDER, TimelineKind.INVOICE, TimelineKind.PAYMENT, TimelineKind.QUERY,
        TimelineKind.FOLLOW_UP)),
    ("Feedback", (TimelineKind.FEEDBACK,)),
)


# What a follow-up scheduled from a timeline entry points back to (its ``source_kind``).
TIMELINE_SOURCES = {
    **{kind: "history" for kind in (TimelineKind.CALL, TimelineKind.VISIT, TimelineKind.EMAIL,
                                    TimelineKind.LETTER, TimelineKind.NOTE)},
    TimelineKind.ORDER: "order_event", TimelineKind.INVOICE: "invoice",
    TimelineKind.PAYMENT: "payment", TimelineKind.QUERY: "query_event",
    TimelineKind.FEEDBACK: "feedback", TimelineKind.FOLLOW_UP: "follow_up",
}


class CustomerProfileView(QWidget):
    back = Signal()
    edit = Signal(int)
    delete = Signal(int, int)  # customer id, version
    log_contact = Signal(int)
    new_order = Signal(int)
    new_invoice = Signal(int)
    open_invoice = Signal(int)
    show_orders = Signal(int)
    add_note = Signal(int)
    log_query = Signal(int)
    record_feedback = Signal(int)
    schedule_follow_up = Signal(int)
    # customer id, what it follows up ("history", "order", ...), its id, and a suggested purpose
    follow_up_entry = Signal(int, str, int, str)
    pin_note = Signal(int, bool)  # note id, pinned
    delete_note = Signal(int)
    show_changes = Signal(int)  # who changed what on this customer, and from what
    export_personal_data = Signal(int)  # everything we hold about them, on their request
    erase_personal_data = Signal(int)  # forget them, on their request
    edit_consent = Signal(int)  # what they said about offers, channel by channel

    def __init__(self, formatter: Formatter, timeline: TimelineModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self.timeline = timeline
        self.customer: CustomerDetail | None = None

        bar, actions = self._build_buttons()
        header = self._build_header()
        details = self._build_details()
        timeline_box = self._build_timeline(timeline)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(details)
        self.splitter.addWidget(timeline_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(header)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

        self._connect_buttons()

    def _build_buttons(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """The bar (back, edit, delete) and the row of what one does with a customer."""
        self.back_button = QPushButton("← Customers")
        self.back_button.setFlat(True)
        self.orders_button = QPushButton("O&rders")
        self.orders_button.setToolTip("What has this customer ordered before?")
        self.new_order_button = QPushButton("New or&der…")
        self.invoice_button = QPushButton("In&voice…")
        self.invoice_button.setToolTip("Invoice this customer's delivered orders")
        self.log_button = QPushButton("&Log contact…")
        self.log_button.setToolTip("Record a call, visit, e-mail, letter or note (Ctrl+L)")
        self.query_button = QPushButton("&Query…")
        self.query_button.setToolTip("Log a question or request from this customer "
                                     "(Ctrl+Shift+Q)")
        self.feedback_button = QPushButton("Feed&back…")
        self.feedback_button.setToolTip("Record a complaint, a win, a suggestion or a rating "
                                        "(Ctrl+Shift+F)")
        self.follow_up_button = QPushButton("&Follow up…")
        self.follow_up_button.setToolTip("Schedule a call, visit, e-mail, letter or card "
                                         "(Ctrl+Shift+U); right-click an entry below to follow "
                                         "it up")
        self.edit_button = QPushButton("&Edit")
        self.delete_button = QPushButton("Delete…")
        self.changes_button = QPushButton("History of c&hanges")
        self.changes_button.setToolTip("Each change to this customer: what it was, what it "
                                       "became, who changed it and when")
        self.personal_data_button = QPushButton("Personal data")
        self.personal_data_button.setToolTip("On the customer's request: everything we hold "
                                             "about them, or forget them")
        personal = QMenu(self.personal_data_button)
        self.export_personal_action = personal.addAction("Export what we hold about them…")
        self.erase_personal_action = personal.addAction("Erase their personal data…")
        self.personal_data_button.setMenu(personal)
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        bar.addWidget(self.personal_data_button)
        bar.addWidget(self.changes_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.delete_button)
        # What one does with a customer gets its own row, under what to remember about them.
        actions = QHBoxLayout()
        actions.setSpacing(4)  # seven buttons: the window must still fit a small screen
        for button in (self.log_button, self.follow_up_button, self.query_button,
                       self.feedback_button, self.new_order_button, self.orders_button,
                       self.invoice_button):
            actions.addWidget(button)
        actions.addStretch(1)
        return bar, actions

    def _build_header(self) -> QVBoxLayout:
        """The name, the facts, the ratings and the remember banner."""
        self.name_label = ElidedLabel()
        self.name_label.setObjectName("profile_name")
        self.name_label.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = ElidedLabel(keep=220)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.ratings_label = QLabel()
        self.ratings_label.setWordWrap(True)
        self.ratings_label.setTextFormat(Qt.TextFormat.RichText)
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
        header.addWidget(self.ratings_label)
        header.addWidget(self.banner)
        return header

    def _build_details(self) -> QScrollArea:
        """Contacts, addresses and dates on the left; preferences and notes on the right."""
        self.contacts_box = QGroupBox("Contact")
        self.contacts_grid = QGridLayout(self.contacts_box)
        self.addresses_box = QGroupBox("Addresses")
        self.addresses_layout = QVBoxLayout(self.addresses_box)
        self.preferences_box = QGroupBox("Preferences")
        self.preferences_layout = QVBoxLayout(self.preferences_box)
        self.dates_box = QGroupBox("Important dates")
        self.dates_layout = QVBoxLayout(self.dates_box)
        self.notes_box = QGroupBox("Personal notes")
        notes_outer = QVBoxLayout(self.notes_box)
        self.notes_layout = QVBoxLayout()
        notes_outer.addLayout(self.notes_layout)
        self.add_note_button = QPushButton("Add a &note…")
        notes_outer.addWidget(self.add_note_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.consent_box = QGroupBox("Offers and newsletters")
        consent_outer = QVBoxLayout(self.consent_box)
        self.consent_layout = QVBoxLayout()
        consent_outer.addLayout(self.consent_layout)
        self.consent_button = QPushButton("What they &agreed to…")
        consent_outer.addWidget(self.consent_button, 0, Qt.AlignmentFlag.AlignLeft)

        for box in (self.contacts_box, self.addresses_box, self.preferences_box,
                    self.dates_box, self.notes_box, self.consent_box):
            # Never squeezed below what they hold (an address lost its last lines): when the
            # details do not fit, the area scrolls instead.
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        body = QWidget()
        columns = QHBoxLayout(body)
        left = QVBoxLayout()
        left.addWidget(self.contacts_box)
        left.addWidget(self.addresses_box)
        left.addWidget(self.dates_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.preferences_box)
        right.addWidget(self.notes_box)
        right.addWidget(self.consent_box)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        return scroll

    def _build_timeline(self, timeline: TimelineModel) -> QGroupBox:
        self.timeline_filter = QComboBox()
        for label, _kinds in TIMELINE_FILTERS:
            self.timeline_filter.addItem(label)
        self.timeline_view = QTableView()
        self.timeline_view.setModel(timeline)
        read_only_table(self.timeline_view)
        for column, width in enumerate((170, 80, 330, 300, 120)):
            self.timeline_view.setColumnWidth(column, width)
        timeline_box = QGroupBox("History")
        timeline_layout = QVBoxLayout(timeline_box)
        timeline_bar = QHBoxLayout()
        timeline_bar.addWidget(QLabel("Show"))
        timeline_bar.addWidget(self.timeline_filter)
        timeline_bar.addStretch(1)
        timeline_layout.addLayout(timeline_bar)
        timeline_layout.addWidget(self.timeline_view)
        return timeline_box

    def _connect_buttons(self) -> None:
        self.timeline_filter.currentIndexChanged.connect(self._filter_timeline)
        self.log_button.clicked.connect(self._log)
        self.orders_button.clicked.connect(lambda: self._emit_for_customer(self.show_orders))
        self.new_order_button.clicked.connect(lambda: self._emit_for_customer(self.new_order))
        self.invoice_button.clicked.connect(lambda: self._emit_for_customer(self.new_invoice))
        self.timeline_view.doubleClicked.connect(self._timeline_open)
        self.query_button.clicked.connect(lambda: self._emit_for_customer(self.log_query))
        self.feedback_button.clicked.connect(
            lambda: self._emit_for_customer(self.record_feedback))
        self.follow_up_button.clicked.connect(
            lambda: self._emit_for_customer(self.schedule_follow_up))
        self.timeline_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline_view.customContextMenuRequested.connect(self._timeline_menu)
        self.add_note_button.clicked.connect(self._add_note)
        self.consent_button.clicked.connect(lambda: self._emit_for_customer(self.edit_consent))
        self.back_button.clicked.connect(self.back)
        self.edit_button.clicked.connect(self._edit)
        self.delete_button.clicked.connect(self._delete)
        self.changes_button.clicked.connect(lambda: self._emit_for_customer(self.show_changes))
        self.export_personal_action.triggered.connect(
            lambda: self._emit_for_customer(self.export_personal_data))
        self.erase_personal_action.triggered.connect(
            lambda: self._emit_for_customer(self.erase_personal_data))

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter
        self.timeline.set_formatter(formatter)

    def show_customer(self, customer: CustomerDetail) -> None:
        """Show a customer; a different one than before starts with their whole history."""
        switching = self.customer is None or self.customer.id != customer.id
        self.customer = customer
        if switching:
            self.timeline_filter.blockSignals(True)
            self.timeline_filter.setCurrentIndex(0)
            self.timeline_filter.blockSignals(False)
            self.timeline.show_customer(customer.id)
        else:
            self.timeline.refresh()
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
        self.facts_label.setText(breakable("  ·  ".join(facts)))
        self._fill_banner(customer)
        self._fill_contacts(customer)
        self._fill_addresses(customer)
        self._fill_preferences(customer)
        self._fill_dates(customer)
        self._fill_notes(customer)
        self._fill_consents(customer)

    def show_ratings(self, summary: RatingSummary) -> None:
        """How this customer rates us, and their latest words: how they feel."""
        if summary.average is None:
            self.ratings_label.hide()
            return
        latest = summary.recent[0] if summary.recent else None
        quote = (f" — latest: “{escape(breakable(latest.text))}” "
                 f"({self._formatter.date(latest.occurred_at)})" if latest else "")
        self.ratings_label.setText(
            f"Rates us <b>{self._formatter.rating(summary.average)} / 5</b> "
            f"({summary.count} rating{'s' if summary.count != 1 else ''}){quote}")
        self.ratings_label.show()

    def banner_text(self) -> str:
        """The banner as a person reads it (without markup)."""
        return QTextDocumentFragment.fromHtml(self.banner.text()).toPlainText()

    def _fill_banner(self, customer: CustomerDetail) -> None:
        f = self._formatter
        items = [f"<b>{escape(PREFERENCE_LABELS[p.kind])}:</b> {escape(breakable(p.text))}"
                 for p in customer.preferences if p.pinned]
        items += [f"<b>Note:</b> {escape(breakable(n.text))}" for n in customer.notes if n.pinned]
        items += [f"<b>{escape(breakable(u.describe()))}</b>" for u in customer.upcoming_dates]
        items += [f"<b>Open query:</b> {escape(breakable(q.subject))}"
                  + (f" (due {f.date(q.due_at)})" if q.due_at else "")
                  for q in customer.open_queries]
        items += [f"<span style='color:{ALERT}'><b>Overdue invoice {escape(i.number)}:</b> "
                  f"{escape(f.money(i.outstanding))} since {f.date(i.due_on)}</span>"
                  for i in customer.overdue_invoices]
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
            value = ElidedLabel(contact.value)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.contacts_grid.addWidget(label, row, 0)
            self.contacts_grid.addWidget(value, row, 1)
            self.contacts_grid.addWidget(self._copy_button(f"copy_{contact.id}", contact.value),
                                         row, 2)
        self.contacts_grid.setColumnStretch(1, 1)

    def _fill_addresses(self, customer: CustomerDetail) -> None:
        _clear(self.addresses_layout)
        if not customer.addresses:
            self.addresses_layout.addWidget(QLabel("No address yet."))
        for address in customer.addresses:
            title = address.kind.value.capitalize() + (" (primary)" if address.is_primary else "")
            text = wrapping_label(f"<i>{escape(title)}</i><br>"
                                  + "<br>".join(escape(breakable(line))
                                                for line in self._address_lines(address)),
                                  rich=True, selectable=True)
            row = QHBoxLayout()
            row.addWidget(text, 1)
            row.addWidget(self._copy_button(f"copy_address_{address.id}",
                                            "\n".join(self._address_lines(address))),
                          0, Qt.AlignmentFlag.AlignTop)
            holder = QWidget()
            holder.setLayout(row)
            self.addresses_layout.addWidget(holder)

    def _address_lines(self, address: AddressView) -> list[str]:
        """As printed on an envelope, with the country's name rather than its code."""
        lines = address.lines()
        if address.country and lines and lines[-1] == address.country:
            lines[-1] = self._formatter.country(address.country)
        return lines

    def _fill_preferences(self, customer: CustomerDetail) -> None:
        _clear(self.preferences_layout)
        if not customer.preferences:
            self.preferences_layout.addWidget(QLabel("Nothing recorded yet — add how they like "
                                                     "to be served with Edit."))
        for preference in customer.preferences:
            pin = "★ " if preference.pinned else ""  # no emoji: not every desktop has the font
            label = wrapping_label(f"{pin}<b>{escape(PREFERENCE_LABELS[preference.kind])}:</b> "
                                   f"{escape(breakable(preference.text))}", rich=True)
            self.preferences_layout.addWidget(label)

    def _fill_dates(self, customer: CustomerDetail) -> None:
        _clear(self.dates_layout)
        if not customer.important_dates:
            self.dates_layout.addWidget(QLabel("None yet — add birthdays and anniversaries "
                                               "with Edit."))
        for d in customer.important_dates:
            when = calendar.month_name[d.month] + f" {d.day}" + (f", {d.year}" if d.year else "")
            what = d.label or KIND_LABELS[d.kind]
            self.dates_layout.addWidget(wrapping_label(
                f"<b>{escape(breakable(what))}:</b> {escape(when)}", rich=True))

    def _fill_consents(self, customer: CustomerDetail) -> None:
        _clear(self.consent_layout)
        given = {view.channel: view for view in customer.consents}
        for channel in ConsentChannel:
            self.consent_layout.addWidget(wrapping_label(
                f"<b>{escape(CHANNEL_LABELS[channel])}:</b> "
                f"{escape(consent_summary(given.get(channel), self._formatter))}", rich=True))
        self.consent_button.setVisible(customer.erased_at is None)

    def _fill_notes(self, customer: CustomerDetail) -> None:
        _clear(self.notes_layout)
        if not customer.notes:
            self.notes_layout.addWidget(QLabel("Nothing yet. Notes like “her cat is at the vet” "
                                               "help the next conversation."))
        for note in customer.notes:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = wrapping_label(("★ " if note.pinned else "") + note.text)
            pin = QToolButton()
            pin.setObjectName(f"pin_note_{note.id}")
            pin.setText("Unpin" if note.pinned else "Pin")
            pin.setToolTip("Pinned notes are shown in the banner whenever the profile opens")
            pin.clicked.connect(lambda _=False, n=note.id, p=not note.pinned:
                                self.pin_note.emit(n, p))
            remove = QToolButton()
            remove.setObjectName(f"delete_note_{note.id}")
            remove.setText("Delete")
            remove.clicked.connect(lambda _=False, n=note.id: self.delete_note.emit(n))
            line.addWidget(text, 1)
            line.addWidget(pin)
            line.addWidget(remove)
            self.notes_layout.addWidget(row)

    def _filter_timeline(self, index: int) -> None:
        if self.customer is not None:
            self.timeline.show_customer(self.customer.id, TIMELINE_FILTERS[index][1])

    def _timeline_menu(self, position: QPoint) -> None:
        index = self.timeline_view.indexAt(position)
        if self.customer is None or not index.isValid():
            return
        entry = self.timeline.entry(index.row())
        menu = QMenu(self)
        action = menu.addAction("&Follow up on this…")
        customer_id = self.customer.id
        action.triggered.connect(lambda: self.follow_up_entry.emit(
            customer_id, TIMELINE_SOURCES[entry.kind], entry.ref_id,
            f"Follow up: {entry.title}"[:200]))
        menu.popup(self.timeline_view.viewport().mapToGlobal(position))

    def _timeline_open(self, index: QModelIndex) -> None:
        """Double-clicking an invoice on the timeline opens it."""
        entry = self.timeline.entry(index.row())
        if entry.kind is TimelineKind.INVOICE:
            self.open_invoice.emit(entry.ref_id)

    def _emit_for_customer(self, signal: SignalInstance) -> None:
        if self.customer is not None:
            signal.emit(self.customer.id)

    def _log(self) -> None:
        if self.customer is not None:
            self.log_contact.emit(self.customer.id)

    def _add_note(self) -> None:
        if self.customer is not None:
            self.add_note.emit(self.customer.id)

    def _copy_button(self, name: str, value: str) -> QToolButton:
        button = QToolButton()
        button.setText("Copy")
        button.setToolTip(f"Copy {value.splitlines()[0] if value else ''}…"
                          if "\n" in value else f"Copy {value}")
        button.setObjectName(name)
        button.clicked.connect(lambda _=False: QApplication.clipboard().setText(value))
        return button

    def _edit(self) -> None:
        if self.customer is not None:
            self.edit.emit(self.customer.id)

    def _delete(self) -> None:
        if self.customer is not None:
            self.delete.emit(self.customer.id, self.customer.version)
