"""Small building blocks the pages and dialogs share."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt

T = TypeVar("T")
ROW_HEIGHT = 26


LONG_RUN = 24  # characters without a space after which a label may break the line
_JOINING = "\u200d\ufe0f"  # zero-width joiner and emoji presentation: never split beside them


def breakable(text: str) -> str:
    """``text`` with invisible break opportunities (zero-width spaces) in runs of more than
    LONG_RUN characters without a space, so a word-wrapped label can always wrap: one
    customer's 100-letter name must not make the window wider than the screen."""
    out: list[str] = []
    run = 0
    for index, char in enumerate(text):
        if char.isspace():
            run = 0
        elif run >= LONG_RUN and not unicodedata.combining(char) and char not in _JOINING \
                and text[index - 1] not in _JOINING:
            out.append("\u200b")
            run = 0
        out.append(char)
        run += not char.isspace()
    return "".join(out)


def wrapping_label(text: str = "", *, rich: bool = False, selectable: bool = False) -> QLabel:
    """A label that wraps any text to the width it is given, long words included. Rich text
    is the caller's to make breakable (escape(breakable(part)) for each part)."""
    label = QLabel(text if rich else breakable(text))
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ElidedLabel(QLabel):
    """One line of plain text that never asks for more width than it is given: what does not
    fit ends in "…", and the whole text is in the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 keep: int = 0) -> None:
        """``keep``: pixels of the text that stay visible before any neighbour is squeezed
        (a status badge next to a long name keeps its word)."""
        super().__init__(parent)
        self._keep = keep
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def text(self) -> str:
        """The whole text, as set (what is drawn may be shorter: ``shown_text``)."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() \
            + margins.right() + 2 * self.margin() + 4
        return QSize(width, hint.height())

    def minimumSizeHint(self) -> QSize:
        least = self.fontMetrics().horizontalAdvance("W…") * 2
        if self._keep:
            least = max(least, min(self.sizeHint().width(), self._keep))
        return QSize(least, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()  # the width it needs changed with the font
            self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(room, 0)) if room > 0 else self._full
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


def read_only_table(view: QTableView, *, many: bool = False, stretch_last: bool = True) -> None:
    """Whole-row selection, no editing, fixed row heights (lazy models are never measured
    row by row), alternating colours."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if many
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    rows = view.verticalHeader()
    rows.setVisible(False)
    rows.setDefaultSectionSize(ROW_HEIGHT)
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.horizontalHeader().setStretchLastSection(stretch_last)


def run_after_typing(edit: QLineEdit, action: Callable[[], None], *,
                     pause_ms: int = 150) -> QTimer:
    """Run ``action`` when typing in ``edit`` pauses, not on every keystroke. Returns the
    timer, so Enter or another filter can run the action at once and stop it."""
    timer = QTimer(edit)
    timer.setSingleShot(True)
    timer.setInterval(pause_ms)
    timer.timeout.connect(action)
    edit.textChanged.connect(timer.start)
    return timer


class ActionRow(QHBoxLayout):
    """A row of buttons made once; each state of the record shows the ones that apply.

    Buttons are never deleted and re-made: one clicked while its own row is rebuilt would
    otherwise linger on screen (deleteLater) under the new row until the event loop runs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.buttons: dict[str, QPushButton] = {}

    def add(self, key: str, label: str, slot: Callable[[], object], tip: str = ""
            ) -> QPushButton:
        button = QPushButton(label)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        self.addWidget(button)
        self.buttons[key] = button
        return button

    def show_only(self, shown: Mapping[str, bool]) -> None:
        """Show the buttons ``shown`` maps to True (keys it leaves out stay as they are)."""
        for key, visible in shown.items():
            self.buttons[key].setVisible(visible)

    def visible(self, window: QWidget) -> list[str]:
        return [key for key, b in self.buttons.items() if b.isVisibleTo(window)]


class FormDialog(QDialog):
    """Labelled fields, an error line and Save/Cancel. Subclasses add fields with
    ``add_field`` and implement ``save``; refusals are shown at the field that caused them."""

    def __init__(self, title: str, parent: QWidget | None = None, *,
                 ok: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Save
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = error_label()
        self.field_errors = FieldErrors()
        self.button_box = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addWidget(self.error)
        self.body.addWidget(self.button_box)
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)

    def add_field(self, label: str, widget: QWidget, key: str | None = None) -> None:
        self.form.addRow(label, widget)
        if key is not None:
            self.watch(key, widget)

    def watch(self, key: str, widget: QWidget) -> None:
        """Show the service's error for ``key`` at ``widget``."""
        self.field_errors.register(key, widget, self.error)

    def insert_below_form(self, widget: QWidget) -> None:
        self.body.insertWidget(1, widget)

    def attempt_save(self, action: Callable[[], T]) -> T | None:
        return attempt(self, fields=self.field_errors, action=action)

    def save(self) -> None:
        raise NotImplementedError
