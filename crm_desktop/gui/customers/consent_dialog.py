"""What a customer said about offers and newsletters, channel by channel: yes or no, how
they told us, and when (the profile's *Marketing* box opens it)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import ConsentChannel, ConsentMethod
from crm_desktop.services.customers.consent import (
    CHANNEL_LABELS,
    MAX_NOTE,
    METHOD_LABELS,
    ConsentAnswer,
    ConsentService,
    ConsentView,
)

NOT_ASKED, YES, NO = "", "yes", "no"


def consent_summary(view: ConsentView | None, formatter: Formatter) -> str:
    """ "Yes, since 3 Dec 2026 (in person, noted by Rita)" — or "Not asked"."""
    if view is None:
        return "Not asked (counts as no)"
    answer = "Yes, since" if view.given else "No, withdrawn"
    by = f", noted by {view.changed_by}" if view.changed_by else ""
    note = f" — {view.note}" if view.note else ""
    return (f"{answer} {formatter.date(view.changed_at)} "
            f"({METHOD_LABELS[view.method]}{by}){note}")


class ConsentDialog(FormDialog):
    def __init__(self, service: ConsentService, actor: Actor, formatter: Formatter, *,
                 customer_id: int, customer_name: str, current: tuple[ConsentView, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Offers and newsletters: {customer_name}", parent)
        self._service = service
        self._actor = actor
        self._customer_id = customer_id
        self._current = {view.channel: view for view in current}
        self.saved: tuple[ConsentView, ...] | None = None
        self.answers: dict[ConsentChannel, QComboBox] = {}
        self.methods: dict[ConsentChannel, QComboBox] = {}
        self.notes: dict[ConsentChannel, QLineEdit] = {}

        grid_widget = QWidget()
        grid = QGridLayout(grid_widget)
        grid.setContentsMargins(0, 0, 0, 0)
        for column, heading in enumerate(("", "Agreed?", "How they told us", "Note")):
            grid.addWidget(QLabel(f"<b>{heading}</b>"), 0, column)
        for row, channel in enumerate(ConsentChannel, start=1):
            view = self._current.get(channel)
            answer = QComboBox()
            if view is None:
                answer.addItem("Not asked", NOT_ASKED)
            answer.addItem("Yes", YES)
            answer.addItem("No", NO)
            if view is not None:
                answer.setCurrentIndex(answer.findData(YES if view.given else NO))
            method = QComboBox()
            for value, label in METHOD_LABELS.items():
                method.addItem(label, value.value)
            if view is not None:
                method.setCurrentIndex(method.findData(view.method.value))
            note = QLineEdit(view.note if view is not None else "")
            note.setMaxLength(MAX_NOTE)
            note.setPlaceholderText("optional, e.g. signed the card at the till")
            title = QLabel(f"&{CHANNEL_LABELS[channel]}")
            title.setBuddy(answer)
            grid.addWidget(title, 2 * row - 1, 0)
            grid.addWidget(answer, 2 * row - 1, 1)
            grid.addWidget(method, 2 * row - 1, 2)
            grid.addWidget(note, 2 * row - 1, 3)
            if view is not None:  # the answer on record, in grey, under what may change it
                was = QLabel(consent_summary(view, formatter))
                was.setEnabled(False)
                grid.addWidget(was, 2 * row, 1, 1, 3)
            answer.currentIndexChanged.connect(
                lambda _i, a=answer, m=method, n=note: self._asked(a, m, n))
            self._asked(answer, method, note)
            self.answers[channel], self.methods[channel], self.notes[channel] = (
                answer, method, note)
            self.watch(f"consent.{channel.value}", answer)
            self.watch(f"consent.{channel.value}.method", method)
            self.watch(f"consent.{channel.value}.note", note)
        grid.setColumnStretch(3, 1)
        intro = QLabel("May we send them offers? Ask, and note how they told you: a shop "
                       "must be able to show that a customer agreed. Not asked counts as no.")
        intro.setWordWrap(True)
        # Each insertion goes straight below the form: the grid first, then the intro above it.
        self.insert_below_form(grid_widget)
        self.insert_below_form(intro)
        self.resize(720, self.sizeHint().height())

    @staticmethod
    def _asked(answer: QComboBox, method: QComboBox, note: QLineEdit) -> None:
        asked = answer.currentData() != NOT_ASKED
        method.setEnabled(asked)
        note.setEnabled(asked)

    def answer_of(self, channel: ConsentChannel) -> ConsentAnswer | None:
        answer = self.answers[channel].currentData()
        if answer == NOT_ASKED:
            return None
        return ConsentAnswer(channel, answer == YES,
                             ConsentMethod(self.methods[channel].currentData()),
                             self.notes[channel].text())

    def save(self) -> None:
        answers = [a for a in map(self.answer_of, ConsentChannel) if a is not None]
        self.saved = self.attempt_save(
            lambda: self._service.record(self._customer_id, answers, self._actor))
        if self.saved is not None:
            self.accept()
