"""Log a call, visit, e-mail, letter or note in a few keystrokes, and offer a follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import FOLLOW_UP_CHANNEL_LABELS
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import FollowUpChannel, HistoryKind
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpRequest

KINDS = ((HistoryKind.CALL, "Call"), (HistoryKind.VISIT, "Visit"),
         (HistoryKind.EMAIL, "E-mail"), (HistoryKind.LETTER, "Letter"),
         (HistoryKind.NOTE, "Note"))
CHANNELS = tuple(FOLLOW_UP_CHANNEL_LABELS.items())
FOLLOW_UP_AFTER_DAYS = 7


class LogContactDialog(FormDialog):
    def __init__(self, service: TimelineService, actor: Actor, *, customer_id: int,
                 customer_name: str, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(f"Log a contact with {customer_name}", parent)
        self._service = service
        self._actor = actor
        self._customer_id = customer_id
        self.saved_id: int | None = None
        now = clock()

        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(label, kind.value)
        self.summary = QLineEdit()
        self.summary.setPlaceholderText("what it was about, e.g. Asked about the oak table")
        self.outcome = QLineEdit()
        self.outcome.setPlaceholderText("how it went, e.g. Will think it over")
        self.details = QPlainTextEdit()
        self.details.setPlaceholderText("anything else worth remembering (optional)")
        self.details.setFixedHeight(70)
        self.when = QDateTimeEdit(QDateTime(now.astimezone()))
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")

        self.follow_up = QGroupBox("Schedule a &follow-up")
        self.follow_up.setCheckable(True)
        self.follow_up.setChecked(False)
        self.due = QDateEdit(QDate(now.astimezone().date() + timedelta(FOLLOW_UP_AFTER_DAYS)))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.channel = QComboBox()
        for channel, label in CHANNELS:
            self.channel.addItem(label, channel.value)
        self.purpose = QLineEdit()
        self.purpose.setPlaceholderText("what to follow up, e.g. Ask whether he decided")
        follow_form = QFormLayout(self.follow_up)
        follow_form.addRow("&Due", self.due)
        follow_form.addRow("&How", self.channel)
        follow_form.addRow("&Purpose", self.purpose)

        self.add_field("&Kind", self.kind)
        self.add_field("&Summary", self.summary, "summary")
        self.add_field("&Outcome", self.outcome, "outcome")
        self.add_field("&Details", self.details, "details")
        self.add_field("&When", self.when, "occurred_at")
        self.insert_below_form(self.follow_up)
        self.watch("follow_up.due", self.due)
        self.watch("follow_up.purpose", self.purpose)
        self.follow_up.toggled.connect(self._follow_up_toggled)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The kind defaults to a call: typing the summary is the first thing to do.
        self.summary.setFocus(Qt.FocusReason.OtherFocusReason)

    def _follow_up_toggled(self, on: bool) -> None:
        if on and not self.purpose.text() and self.summary.text():
            self.purpose.setText(f"Follow up: {self.summary.text()}")
            self.purpose.setCursorPosition(0)  # show how it starts, not how it ends

    def save(self) -> None:
        follow_up = None
        if self.follow_up.isChecked():
            due = self.due.date()
            follow_up = FollowUpRequest(date(due.year(), due.month(), due.day()),
                                        FollowUpChannel(self.channel.currentData()),
                                        self.purpose.text())
        when = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        self.saved_id = self.attempt_save(lambda: self._service.log(
            self._customer_id, HistoryKind(self.kind.currentData()), self.summary.text(),
            self._actor, outcome=self.outcome.text(), details=self.details.toPlainText(),
            occurred_at=when, follow_up=follow_up))
        if self.saved_id is not None:
            self.accept()
