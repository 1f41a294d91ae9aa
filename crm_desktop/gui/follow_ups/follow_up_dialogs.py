"""Schedule a follow-up (once or repeating), and close the loop on one: done with an outcome,
snoozed (this time or the whole series), handed to someone else, or cancelled with a reason."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.errors import ConflictError
from crm_desktop.formatting import FOLLOW_UP_CHANNEL_LABELS, Formatter
from crm_desktop.gui.shared.conflict_dialog import Theirs, save_choosing, saved_at
from crm_desktop.gui.shared.widgets import FormDialog, breakable, wrapping_label
from crm_desktop.models import FollowUpChannel, FollowUpState
from crm_desktop.services.admin.user_service import UserView
from crm_desktop.services.edit_conflicts import FOLLOW_UP_FIELDS
from crm_desktop.services.follow_ups import recurrence
from crm_desktop.services.follow_ups.follow_up_service import (
    DEFAULT_HOUR,
    SNOOZE_LABELS,
    FollowUpInput,
    FollowUpService,
    FollowUpView,
    Snooze,
    snooze_until,
)
from crm_desktop.services.follow_ups.recurrence import ORDINAL_NAMES, WEEKDAY_NAMES, Repeat, Unit

NO_REPEAT = "none"
NTH_WEEKDAY = "nth"
REPEAT_CHOICES = ((NO_REPEAT, "Does not repeat"), (Unit.DAY.value, "Every … days"),
                  (Unit.WEEK.value, "Every … weeks"), (Unit.MONTH.value, "Every … months"),
                  (Unit.YEAR.value, "Every … years"),
                  (NTH_WEEKDAY, "Monthly on a weekday"))


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


# What became of a follow-up that can no longer be changed.
STATE_WORDS = {FollowUpState.DONE: "completed", FollowUpState.CANCELLED: "cancelled",
               FollowUpState.DISMISSED: "dismissed"}

class FollowUpDialog(FormDialog):
    """When (a day, or a time too), how, why, for whom, notes, and whether it repeats.
    Also used to change an open follow-up, or a suggestion before accepting it."""

    def __init__(self, follow_ups: FollowUpService, actor: Actor, *,
                 customer: tuple[int, str], users: list[UserView], clock: Clock,
                 existing: FollowUpView | None = None, accept: bool = False,
                 source: tuple[str, int] | None = None, purpose: str = "",
                 parent: QWidget | None = None) -> None:
        title = ("Accept suggested follow-up" if accept
                 else "Change follow-up" if existing else "Schedule a follow-up")
        super().__init__(title, parent)
        self.setMinimumWidth(480)
        self._follow_ups = follow_ups
        self._actor = actor
        self._customer_id = customer[0]
        self._existing = existing
        self._accept = accept
        self._source = source
        self._users = {user.id: user.display_name for user in users}
        self.saved: FollowUpView | None = None
        zone = recurrence.zone_for(follow_ups.zone_name)
        today = clock().astimezone(zone).date()

        self.add_field("Customer", wrapping_label(f"<b>{escape(breakable(customer[1]))}</b>",
                                                  rich=True))
        self.due = QDateEdit(_qdate(today + timedelta(days=7)))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")  # unambiguous, as in the other dialogs
        self.due.setMinimumDate(_qdate(today))
        self.timed = QCheckBox("at")
        self.at = QTimeEdit(QTime(DEFAULT_HOUR, 0))
        self.at.setEnabled(False)
        self.timed.toggled.connect(self.at.setEnabled)
        when = QHBoxLayout()
        when.setContentsMargins(0, 0, 0, 0)
        for when_widget in (self.due, self.timed, self.at):
            when.addWidget(when_widget)
        when.addStretch(1)
        when_box = QWidget()
        when_box.setLayout(when)
        self.add_field("&Due", when_box, "due")
        self.watch("due", self.due)

        self.channel = QComboBox()
        for channel, label in FOLLOW_UP_CHANNEL_LABELS.items():
            self.channel.addItem(label, channel.value)
        self.add_field("&How", self.channel)
        self.purpose = QLineEdit(purpose)
        self.purpose.setPlaceholderText("e.g. Check the new chairs suit her back")
        self.add_field("&What for", self.purpose, "purpose")
        self.assignee = QComboBox()
        for user in users:
            self.assignee.addItem(user.display_name, user.id)
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(actor.user_id)))
        self.add_field("&For", self.assignee, "assignee_id")

        self.repeat = QComboBox()
        self.repeat.setToolTip("“Monthly on a weekday”: the third Monday, the last Friday…")
        for key, label in REPEAT_CHOICES:
            self.repeat.addItem(label, key)
        self.interval = QSpinBox()
        self.interval.setRange(1, 999)
        self.ordinal = QComboBox()
        for number, word in ORDINAL_NAMES.items():
            self.ordinal.addItem(word, number)
        self.weekday = QComboBox()
        self.weekday.addItems(WEEKDAY_NAMES)
        repeat_row = QHBoxLayout()
        repeat_row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.repeat, self.interval, self.ordinal, self.weekday):
            repeat_row.addWidget(widget)
        repeat_row.addStretch(1)
        repeat_box = QWidget()
        repeat_box.setLayout(repeat_row)
        self.add_field("&Repeats", repeat_box, "repeat")
        self.watch("repeat", self.repeat)
        self.repeat_text = QLabel()
        self.repeat_text.setObjectName("hint")
        self.add_field("", self.repeat_text)
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(70)
        self.add_field("&Notes", self.notes, "notes")

        self.repeat.currentIndexChanged.connect(self._repeat_changed)
        self.interval.valueChanged.connect(self._describe_repeat)
        for combo in (self.ordinal, self.weekday):
            combo.currentIndexChanged.connect(self._describe_repeat)
        self.due.dateChanged.connect(self._due_changed)
        if existing is not None:
            self._load(existing)
        self._repeat_changed()

    def _load(self, item: FollowUpView) -> None:
        local = item.local_due()
        self.due.setMinimumDate(min(self.due.minimumDate(), _qdate(local.date())))
        self.due.setDate(_qdate(local.date()))
        self.timed.setChecked(item.has_time)
        self.at.setTime(QTime(local.hour, local.minute))
        self.channel.setCurrentIndex(self.channel.findData(item.channel.value))
        self.purpose.setText(item.purpose)
        self.notes.setPlainText(item.notes)
        if item.assignee_id is not None:
            self.assignee.setCurrentIndex(max(0, self.assignee.findData(item.assignee_id)))
        chosen = recurrence.parse(item.rrule) if item.rrule else None
        if chosen is not None:
            self.set_repeat(chosen)

    def set_repeat(self, chosen: Repeat) -> None:
        if chosen.ordinal is not None:
            self.repeat.setCurrentIndex(self.repeat.findData(NTH_WEEKDAY))
            self.ordinal.setCurrentIndex(self.ordinal.findData(chosen.ordinal))
            self.weekday.setCurrentIndex(chosen.weekday)
        else:
            self.repeat.setCurrentIndex(self.repeat.findData(chosen.unit.value))
        self.interval.setValue(chosen.interval)

    def chosen_repeat(self) -> Repeat | None:
        key = self.repeat.currentData()
        if key == NO_REPEAT:
            return None
        if key == NTH_WEEKDAY:
            return Repeat(Unit.MONTH, 1, int(self.ordinal.currentData()),
                          self.weekday.currentIndex())
        return Repeat(Unit(key), self.interval.value())

    def _repeat_changed(self) -> None:
        key = self.repeat.currentData()
        self.interval.setVisible(key not in (NO_REPEAT, NTH_WEEKDAY))
        self.ordinal.setVisible(key == NTH_WEEKDAY)
        self.weekday.setVisible(key == NTH_WEEKDAY)
        if key == NTH_WEEKDAY:
            self._due_changed()
        self._describe_repeat()

    def _due_changed(self) -> None:
        """Offer the due day's own place in its month: the 16th of March 2026 is the third
        Monday (or, in its last week, the last one)."""
        if self.repeat.currentData() != NTH_WEEKDAY:
            return
        day = _day(self.due.date())
        nth = (day.day - 1) // 7 + 1
        last = (day + timedelta(days=7)).month != day.month
        self.ordinal.setCurrentIndex(self.ordinal.findData(-1 if last or nth > 4 else nth))
        self.weekday.setCurrentIndex(day.weekday())

    def _describe_repeat(self) -> None:
        chosen = self.chosen_repeat()
        self.repeat_text.setText(chosen.describe() if chosen else "")
        self.repeat_text.setVisible(chosen is not None)

    def request(self) -> FollowUpInput:
        chosen = self.chosen_repeat()
        at = self.at.time()
        return FollowUpInput(
            customer_id=self._customer_id, due=_day(self.due.date()),
            purpose=self.purpose.text(),
            at=time(at.hour(), at.minute()) if self.timed.isChecked() else None,
            channel=FollowUpChannel(self.channel.currentData()),
            assignee_id=self.assignee.currentData(), notes=self.notes.toPlainText(),
            repeat=chosen.rrule() if chosen else None,
            source_kind=self._source[0] if self._source else None,
            source_id=self._source[1] if self._source else None)

    def save(self) -> None:
        data = self.request()
        existing = self._existing

        def act() -> FollowUpView | None:
            if existing is None:
                return self._follow_ups.schedule(data, self._actor)
            return self._edit(existing, data)

        saved = self.attempt_save(act)
        if saved is not None:
            self.saved = saved
            self.accept()

    def _edit(self, existing: FollowUpView, data: FollowUpInput) -> FollowUpView | None:
        """Save the change. If the other desk changed this follow-up since the dialog opened,
        what differs is shown side by side and what the person chooses is saved; None: they
        went back to the dialog, which still holds what they typed."""
        def reload() -> Theirs[FollowUpInput]:
            theirs = self._follow_ups.get(existing.id)
            if theirs.state not in (FollowUpState.OPEN, FollowUpState.SUGGESTED):
                raise ConflictError(
                    f"{theirs.customer_name}'s follow-up was "
                    f"{STATE_WORDS.get(theirs.state, 'closed')} at the other desk while "
                    "you were changing it, so there is nothing left to change.")
            return Theirs(theirs.version, theirs.as_input(),
                          f"the follow-up “{theirs.purpose}” for {theirs.customer_name}",
                          self._users.get(theirs.updated_by_id or -1, ""),
                          saved_at(theirs.updated_at))

        return save_choosing(
            lambda version, mine: self._follow_ups.edit(existing.id, version, mine,
                                                        self._actor, accept=self._accept),
            version=existing.version, base=existing.as_input(), mine=data, reload=reload,
            fields=FOLLOW_UP_FIELDS, shown=self._shown, parent=self)

    def _shown(self, name: str, value: Any) -> str:
        """A field's value in words, for the side-by-side choice."""
        if value is None or value == "":
            return ""
        if name == "due":
            return f"{value:%A %d %B %Y}"
        if name == "at":
            return f"{value:%H:%M}"
        if name == "channel":
            return str(FOLLOW_UP_CHANNEL_LABELS.get(FollowUpChannel(value), value))
        if name == "assignee_id":
            return self._users.get(value, "")
        if name == "repeat":
            return recurrence.describe(value)
        return str(value)


class CompleteDialog(FormDialog):
    """Done: what came of it goes on the customer's timeline."""

    def __init__(self, follow_ups: FollowUpService, actor: Actor, item: FollowUpView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Done: {item.customer_name}", parent)
        self.setMinimumWidth(440)
        self._follow_ups = follow_ups
        self._actor = actor
        self._item = item
        self.saved: FollowUpView | None = None
        self.following: FollowUpView | None = None
        self.add_field("Follow-up", QLabel(item.purpose))
        self.outcome = QPlainTextEdit()
        self.outcome.setPlaceholderText("What did they say? What happens next?")
        self.outcome.setFixedHeight(90)
        self.add_field("&Outcome", self.outcome, "outcome")
        if item.recurring:
            self.add_field("", QLabel(f"{item.repeat_text}: the next one is scheduled when "
                                      "you save."))

    def save(self) -> None:
        item = self._item
        result = self.attempt_save(lambda: self._follow_ups.complete(
            item.id, item.version, self.outcome.toPlainText(), self._actor))
        if result is not None:
            self.saved, self.following = result
            self.accept()


def _series_choice(dialog: FormDialog, item: FollowUpView, this_label: str,
                   series_label: str) -> QRadioButton | None:
    """For a repeating follow-up: this occurrence only, or the whole series? (Returns the
    "whole series" button.)"""
    if not item.recurring:
        return None
    only_this = QRadioButton(this_label)
    only_this.setChecked(True)
    whole = QRadioButton(series_label)
    group = QButtonGroup(dialog)
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for button in (only_this, whole):
        group.addButton(button)
        layout.addWidget(button)
    dialog.add_field(item.repeat_text, box)
    return whole


class SnoozeDialog(FormDialog):
    """Later today, tomorrow, next week, or a date; for a series, this time or from now on."""

    def __init__(self, follow_ups: FollowUpService, actor: Actor, item: FollowUpView, *,
                 clock: Clock, formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(f"Snooze: {item.customer_name}", parent)
        self._follow_ups = follow_ups
        self._actor = actor
        self._item = item
        self._clock = clock
        self.saved: FollowUpView | None = None
        self.add_field("Follow-up", QLabel(item.purpose))
        now = clock()
        self.choices: dict[Snooze | None, QRadioButton] = {}
        group = QButtonGroup(self)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        for choice, label in SNOOZE_LABELS.items():
            until = snooze_until(choice, now, follow_ups.zone_name)
            button = QRadioButton(f"{label} ({formatter.date_time(until)})")
            self.choices[choice] = button
        self.choices[None] = QRadioButton("On a date:")
        zone = recurrence.zone_for(follow_ups.zone_name)
        self.on_date = QDateEdit(_qdate(now.astimezone(zone).date() + timedelta(days=14)))
        self.on_date.setCalendarPopup(True)
        self.on_date.setDisplayFormat("yyyy-MM-dd")
        self.on_date.setMinimumDate(_qdate(now.astimezone(zone).date()))
        for button in self.choices.values():
            group.addButton(button)
            layout.addWidget(button)
        layout.addWidget(self.on_date)
        self.choices[Snooze.TOMORROW].setChecked(True)
        self.on_date.dateChanged.connect(lambda _d: self.choices[None].setChecked(True))
        self.add_field("Until", box, "until")
        self.whole_series = _series_choice(self, item, "Only this time (the series keeps its "
                                           "rhythm)", "The whole series from then on")

    def until(self) -> datetime:
        now = self._clock()
        for choice, button in self.choices.items():
            if button.isChecked() and choice is not None:
                return snooze_until(choice, now, self._follow_ups.zone_name)
        zone = recurrence.zone_for(self._follow_ups.zone_name)
        return datetime.combine(_day(self.on_date.date()), time(DEFAULT_HOUR), tzinfo=zone)

    def save(self) -> None:
        item = self._item
        whole = self.whole_series is not None and self.whole_series.isChecked()
        saved = self.attempt_save(lambda: self._follow_ups.snooze(
            item.id, item.version, self.until(), self._actor, whole_series=whole))
        if saved is not None:
            self.saved = saved
            self.accept()


class CancelDialog(FormDialog):
    def __init__(self, follow_ups: FollowUpService, actor: Actor, item: FollowUpView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Cancel follow-up: {item.customer_name}", parent)
        self._follow_ups = follow_ups
        self._actor = actor
        self._item = item
        self.saved: FollowUpView | None = None
        self.add_field("Follow-up", QLabel(item.purpose))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. She called in herself")
        self.add_field("&Why", self.reason, "reason")
        self.whole_series = _series_choice(self, item, "Skip only this time",
                                           "Stop the whole series")

    def save(self) -> None:
        item = self._item
        whole = self.whole_series is not None and self.whole_series.isChecked()
        result = self.attempt_save(lambda: self._follow_ups.cancel(
            item.id, item.version, self.reason.text(), self._actor, whole_series=whole))
        if result is not None:
            self.saved = result[0]
            self.accept()


class ReassignDialog(FormDialog):
    def __init__(self, follow_ups: FollowUpService, actor: Actor, item: FollowUpView, *,
                 users: list[UserView], parent: QWidget | None = None) -> None:
        super().__init__(f"Hand over: {item.customer_name}", parent)
        self._follow_ups = follow_ups
        self._actor = actor
        self._item = item
        self.saved: FollowUpView | None = None
        self.add_field("Follow-up", QLabel(item.purpose))
        self.assignee = QComboBox()
        for user in users:
            self.assignee.addItem(user.display_name, user.id)
        others = [i for i in range(self.assignee.count())
                  if self.assignee.itemData(i) != item.assignee_id]
        self.assignee.setCurrentIndex(others[0] if others else 0)
        self.add_field("&To", self.assignee, "assignee_id")

    def save(self) -> None:
        item = self._item
        saved = self.attempt_save(lambda: self._follow_ups.reassign(
            item.id, item.version, int(self.assignee.currentData()), self._actor))
        if saved is not None:
            self.saved = saved
            self.accept()
