"""Saving met the other desk's newer version: each field that differs side by side (what it
was when I opened the form, what I typed, what they saved), and for each a choice.

``save_choosing`` is the loop every form that edits a shared record saves through (a
customer, a follow-up, a draft order): save; on a newer version, show what differs, merge
what the person chose and save again; or give None when they go back to their form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.errors import ConflictError
from crm_desktop.services.edit_conflicts import FieldConflict, Fields, conflicts, merged

Shown = Callable[[str, Any], str]  # (field, value) -> words
Input = TypeVar("Input")
Saved = TypeVar("Saved")

SAVE_ATTEMPTS = 5  # saves that meet a newer version before the conflict is simply said


@dataclass(frozen=True)
class Theirs(Generic[Input]):
    """The record as the other desk saved it: its version, as its form's input, and words
    for the choice (what it is, who saved it, when)."""

    version: int
    data: Input
    what: str  # "Margo Delacroix", "the follow-up “Call back” for Margo Delacroix"
    who: str
    when: str


def save_choosing(save: Callable[[int, Input], Saved], *, version: int, base: Input,
                  mine: Input, reload: Callable[[], Theirs[Input]], fields: Fields,
                  shown: Shown, parent: QWidget) -> Saved | None:
    """``save(version, data)``; when it meets a newer version, what differs between what
    was typed and what ``reload`` finds is shown side by side (``base``: as the form was
    opened) and the merge of the person's choices is saved. None: they went back to the
    form, which still holds what they typed. (A difference only in what the form does not
    show needs no choice: it is saved again at once.)"""
    for _attempt in range(SAVE_ATTEMPTS):
        try:
            return save(version, mine)
        except ConflictError:
            theirs = reload()
        found = conflicts(base, mine, theirs.data, fields)
        if found:
            dialog = ConflictDialog(theirs.what, theirs.who, theirs.when, found, shown=shown,
                                    parent=parent)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            mine = merged(mine, theirs.data, dialog.take_theirs())
        version, base = theirs.version, theirs.data
    # The other desk keeps saving it faster than we can: the conflict is said.
    return save(version, mine)


def saved_at(when: Any) -> str:
    """'at 14:05' for a moment a record was saved (local time), 'just now' if unknown."""
    return f"at {when.astimezone():%H:%M}" if when is not None else "just now"


class ConflictDialog(QDialog):
    """Accepted: ``take_theirs()`` names the fields to take from the other desk."""

    def __init__(self, customer: str, who: str, when: str, found: list[FieldConflict], *,
                 shown: Shown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{customer[:1].upper()}{customer[1:]} was changed at the other "
                            "desk")
        self.found = found
        self._groups: dict[str, QButtonGroup] = {}
        them = who or "The other desk"
        intro = QLabel(
            f"<b>{them}</b> saved {customer} {when}, while you were editing. Where your "
            "changes and theirs differ, choose which to keep. Nothing is saved until you "
            "press <i>Save with these choices</i>; <i>Back to my form</i> keeps everything "
            "you typed.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        for column, title in enumerate(("", "When you opened it", "You typed",
                                        f"{them} saved", "Keep")):
            heading = QLabel(f"<b>{title}</b>")
            grid.addWidget(heading, 0, column)
        for row, conflict in enumerate(found, start=1):
            grid.addWidget(QLabel(f"<b>{conflict.label}</b>"), row, 0,
                           Qt.AlignmentFlag.AlignTop)
            for column, value in enumerate((conflict.base, conflict.mine, conflict.theirs),
                                           start=1):
                cell = QLabel(shown(conflict.name, value) or "—")
                cell.setWordWrap(True)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cell.setObjectName(f"{conflict.name}_{('base', 'mine', 'theirs')[column - 1]}")
                grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignTop)
            mine = QRadioButton("Mine")
            theirs = QRadioButton("Theirs")
            mine.setObjectName(f"{conflict.name}_keep_mine")
            theirs.setObjectName(f"{conflict.name}_take_theirs")
            group = QButtonGroup(self)
            group.addButton(mine)
            group.addButton(theirs)
            (theirs if conflict.theirs_by_default else mine).setChecked(True)
            self._groups[conflict.name] = group
            choice = QVBoxLayout()
            choice.addWidget(mine)
            choice.addWidget(theirs)
            grid.addLayout(choice, row, 4, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("Save with these choices",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.all_theirs_button = QPushButton("Take all of theirs")
        self.buttons.addButton(self.all_theirs_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.back_button = self.buttons.addButton("Back to my form",
                                                  QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        self.all_theirs_button.clicked.connect(self._all_theirs)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(820, min(560, 180 + 70 * len(found)))

    def _all_theirs(self) -> None:
        for group in self._groups.values():
            group.buttons()[1].setChecked(True)

    def choose(self, field: str, *, theirs: bool) -> None:
        self._groups[field].buttons()[1 if theirs else 0].setChecked(True)

    def take_theirs(self) -> set[str]:
        return {name for name, group in self._groups.items() if group.buttons()[1].isChecked()}
