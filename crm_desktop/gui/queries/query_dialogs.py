"""Log a query in seconds (from anywhere), and work one through to resolved."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import (
    PRIORITY_LABELS,
    QUERY_CHANNEL_LABELS,
    QUERY_STATUS_LABELS,
    Formatter,
)
from crm_desktop.gui.shared.customer_picker import CustomerPicker
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import Priority, QueryChannel, QueryStatus
from crm_desktop.services.admin.user_service import UserView
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.feedback.feedback_service import CategoryView
from crm_desktop.services.queries.query_service import (
    NEXT_STATUSES,
    QueryInput,
    QueryService,
    QueryView,
)

ACTION_LABELS = {
    QueryStatus.IN_PROGRESS: "&Start working on it",
    QueryStatus.WAITING_ON_CUSTOMER: "&Waiting on customer…",
    QueryStatus.RESOLVED: "&Resolve…",
    QueryStatus.CLOSED: "&Close",
}


class LogQueryDialog(FormDialog):
    """Channel, who asked (a customer, or a new prospect from a name and a number), subject,
    details, priority and owner. Opened from anywhere with Ctrl+Shift+Q."""

    def __init__(self, queries: QueryService, customers: CustomerListService, actor: Actor, *,
                 users: list[UserView], formatter: Formatter, clock: Clock,
                 categories: list[CategoryView] | None = None,
                 customer: tuple[int, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Log a query", parent)
        self.setMinimumWidth(520)
        self._formatter = formatter
        self._clock = clock
        self._queries = queries
        self._customers = customers
        self._actor = actor
        self.saved: QueryView | None = None

        self.channel = QComboBox()
        for channel, label in QUERY_CHANNEL_LABELS.items():
            self.channel.addItem(label, channel.value)
        self.existing = QRadioButton("&Existing customer")
        self.new_prospect = QRadioButton("&New caller (becomes a prospect)")
        who_group = QButtonGroup(self)
        who_group.addButton(self.existing)
        who_group.addButton(self.new_prospect)
        self.picker = CustomerPicker(customers, customer=customer)
        self.search = self.picker.search
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("name, e.g. Alecia Brown")
        self.new_contact = QLineEdit()
        self.new_contact.setPlaceholderText("phone number or e-mail address")
        who = QWidget()
        grid = QGridLayout(who)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.existing, 0, 0, 1, 2)
        grid.addWidget(self.picker, 1, 0, 1, 2)
        grid.addWidget(self.new_prospect, 2, 0, 1, 2)
        grid.addWidget(self.new_name, 3, 0)
        grid.addWidget(self.new_contact, 3, 1)

        self.subject = QLineEdit()
        self.subject.setPlaceholderText("what they asked, e.g. Can the table be stained darker?")
        self.details = QPlainTextEdit()
        self.details.setPlaceholderText("anything that helps whoever answers (optional)")
        self.details.setFixedHeight(70)
        self.priority = QComboBox()
        for priority in Priority:
            self.priority.addItem(PRIORITY_LABELS[priority], priority.value)
        self.priority.setCurrentIndex(self.priority.findData(Priority.NORMAL.value))
        self.category = QComboBox()
        self.category.addItem("—", None)
        for category in categories or []:
            self.category.addItem(category.name, category.id)
        self.category.setToolTip("What it is about, so the reports can count queries by it "
                                 "(the owner's list, as in the tally)")
        self.owner = QComboBox()
        for user in users:
            self.owner.addItem(user.display_name, user.id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(actor.user_id)))
        self.due_label = QLabel()

        self.add_field("&Channel", self.channel)
        self.add_field("Who asked", who)
        self.add_field("&Subject", self.subject, "subject")
        self.add_field("&Details", self.details, "details")
        self.add_field("&Priority", self.priority)
        self.add_field("C&ategory", self.category, "category_id")
        self.add_field("&Owner", self.owner, "owner_id")
        self.add_field("Answer by", self.due_label)
        self.watch("new_name", self.new_name)
        self.watch("new_contact", self.new_contact)
        self.watch("customer_id", self.search)

        # Typing on either side chooses that side: no need to click the radio first.
        self.search.textEdited.connect(lambda _text: self.existing.setChecked(True))
        for edit in (self.new_name, self.new_contact):
            edit.textEdited.connect(lambda _text: self.new_prospect.setChecked(True))
        self.priority.currentIndexChanged.connect(self._show_due)
        if customer is not None:
            self.existing.setChecked(True)
        else:
            self.new_prospect.setChecked(True)
        self._show_due()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first = self.subject if self.picker.chosen is not None else self.new_name
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def customer(self) -> tuple[int, str] | None:
        return self.picker.chosen if self.existing.isChecked() else None

    def _show_due(self) -> None:
        due = self._queries.response_due(Priority(self.priority.currentData()), self._clock())
        self.due_label.setText(self._formatter.date_time(due))

    def save(self) -> None:
        customer = self.customer
        if self.existing.isChecked() and customer is None:
            self.field_errors.show({"customer_id": "Find the customer who asked, or choose "
                                                   "“New caller”."})
            self.search.setFocus()
            return
        data = QueryInput(
            subject=self.subject.text(), channel=QueryChannel(self.channel.currentData()),
            details=self.details.toPlainText(), priority=Priority(self.priority.currentData()),
            owner_id=self.owner.currentData(), category_id=self.category.currentData(),
            customer_id=customer[0] if customer else None,
            new_name="" if customer else self.new_name.text(),
            new_contact="" if customer else self.new_contact.text())
        self.saved = self.attempt_save(lambda: self._queries.log(data, self._actor))
        if self.saved is not None:
            self.accept()


class QueryDialog(QDialog):
    """One query: what was asked, its history, and the next steps as buttons."""

    changed = Signal(int)  # query id
    open_customer = Signal(int)
    follow_up = Signal(int, int)  # customer id, query id

    def __init__(self, queries: QueryService, actor: Actor, query: QueryView, *,
                 users: list[UserView], formatter: Formatter, clock: Clock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resize(620, 520)
        self._queries = queries
        self._actor = actor
        self._users = users
        self._formatter = formatter
        self._clock = clock
        self.query = query
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.history = QTextBrowser()
        self.step_buttons: dict[QueryStatus, QPushButton] = {}
        steps = QHBoxLayout()
        for status, label in ACTION_LABELS.items():
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, s=status: self.step(s))
            self.step_buttons[status] = button
            steps.addWidget(button)
        self.reopen_button = QPushButton("Re&open…")
        self.reopen_button.clicked.connect(self.reopen)
        self.reassign_button = QPushButton("Re&assign…")
        self.reassign_button.clicked.connect(self.reassign)
        self.customer_button = QPushButton("Open &customer")
        self.customer_button.clicked.connect(self._open_customer)
        self.follow_up_button = QPushButton("&Follow up…")
        self.follow_up_button.setToolTip("Schedule a call to check it stayed solved")
        self.follow_up_button.clicked.connect(
            lambda: self.follow_up.emit(self.query.customer_id, self.query.id))
        steps.addWidget(self.reopen_button)
        steps.addStretch(1)
        more = QHBoxLayout()
        more.addWidget(self.reassign_button)
        more.addWidget(self.customer_button)
        more.addWidget(self.follow_up_button)
        more.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addWidget(self.history, 1)
        layout.addLayout(steps)
        layout.addLayout(more)
        layout.addWidget(close)
        self._show()

    def _show(self) -> None:
        q = self.query
        f = self._formatter
        now = self._clock()
        self.setWindowTitle(f"Query: {q.subject}")
        self.heading.setText(q.subject)
        due = ""
        if q.due_at is not None and q.is_open:
            due = (f"<span style='color:{ALERT}'><b>Overdue</b> since {f.date_time(q.due_at)}"
                   "</span>" if q.overdue(now) else f"answer by {f.date_time(q.due_at)}")
        owner = escape(q.owner_name) + ("" if q.owner_active else " (switched off)")
        self.facts.setText(
            f"<b>{QUERY_STATUS_LABELS[q.status]}</b> · {escape(q.customer_name)} · "
            f"{QUERY_CHANNEL_LABELS[q.channel]} · {PRIORITY_LABELS[q.priority]} priority · "
            + (f"{escape(q.category)} · " if q.category else "")
            + f"owner {owner} · asked {f.age(q.created_at, now)} ago"
            + (f" · {due}" if due else ""))
        parts = [f"<p>{escape(q.details).replace(chr(10), '<br>')}</p>"] if q.details else []
        parts.append("<h4>History</h4>")
        for event in reversed(q.events):
            detail = f" — {escape(event.detail)}" if event.detail else ""
            parts.append(f"<p><b>{escape(event.title)}</b>{detail}<br>"
                         f"<small>{f.date_time(event.at)} · {escape(event.who)}</small></p>")
        self.history.setHtml("".join(parts))
        allowed = NEXT_STATUSES[q.status]
        for status, button in self.step_buttons.items():
            button.setVisible(status in allowed)
        self.reopen_button.setVisible(not q.is_open)
        self.reassign_button.setEnabled(q.is_open)

    def _done(self, view: QueryView | None) -> None:
        if view is not None:
            self.query = view
            self._show()
            self.changed.emit(view.id)

    def _reload(self) -> None:
        fresh = attempt(self, lambda: self._queries.get(self.query.id))
        if fresh is not None:
            self.query = fresh
            self._show()

    def step(self, status: QueryStatus) -> None:
        note = ""
        if status is QueryStatus.RESOLVED:
            note, ok = QInputDialog.getMultiLineText(
                self, "Resolve the query", "How was it resolved? (The customer's timeline "
                "keeps this.)")
            if not ok:
                return
        elif status is QueryStatus.WAITING_ON_CUSTOMER:
            note, ok = QInputDialog.getText(self, "Waiting on the customer",
                                            "What are we waiting for? (optional)")
            if not ok:
                return
        q = self.query
        self._act(lambda: self._queries.move(q.id, q.version, status, self._actor, note=note))

    def reopen(self) -> None:
        reason, ok = QInputDialog.getText(self, "Reopen the query", "Why reopen it?")
        if ok:
            q = self.query
            self._act(lambda: self._queries.reopen(q.id, q.version, self._actor, reason=reason))

    def reassign(self) -> None:
        others = [u for u in self._users if u.id != self.query.owner_id]
        if not others:
            return
        names = [u.display_name for u in others]
        name, ok = QInputDialog.getItem(self, "Reassign the query", "Who should own it?",
                                        names, 0, False)
        if ok:
            q = self.query
            owner_id = others[names.index(name)].id
            self._act(lambda: self._queries.reassign(q.id, q.version, owner_id, self._actor))

    def _act(self, action: Callable[[], QueryView]) -> None:
        view = attempt(self, action)
        if view is None:
            self._reload()  # e.g. changed on the other desk meanwhile: show what is true now
        self._done(view)

    def _open_customer(self) -> None:
        self.open_customer.emit(self.query.customer_id)
        self.accept()
