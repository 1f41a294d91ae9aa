"""*File → The shop's letters…*: the owner's words for each letter and card. The shop's own
five can be changed and put back as they were; the owner's own can be added and removed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.documents.post_document import LETTER
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.services.mailing.letter_service import (
    KINDS,
    PLACEHOLDERS,
    LetterService,
    LetterTemplate,
)


class TemplatesDialog(QDialog):
    def __init__(self, letters: LetterService, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The shop's letters and cards")
        self.resize(860, 560)
        self._letters = letters
        self._actor = actor
        self.templates: list[LetterTemplate] = []
        self.list = QListWidget()
        self.list.setMaximumWidth(240)
        self.name = QLineEdit()
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.body = QPlainTextEdit()
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 6 + 12)
        self.error = error_label()
        self.fields = FieldErrors()
        for key, widget in (("name", self.name), ("kind", self.kind), ("body", self.body),
                            ("note", self.note)):
            self.fields.register(key, widget, self.error)
        hint = QLabel("Placeholders: " + "; ".join(f"{{{k}}} {v}"
                                                   for k, v in PLACEHOLDERS.items())
                      + ". A line whose placeholder has nothing to fill it is left out.")
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Is a:", self.kind)
        form.addRow("&Typed:", self.body)
        form.addRow("By &hand:", self.note)
        form.addRow("", hint)
        self.save_button = QPushButton("&Save")
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("&New letter")
        self.new_button.clicked.connect(self.new)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self.remove)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.new_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.error)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(right, 1)
        self.list.currentRowChanged.connect(self._show)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.reload()

    def reload(self, key: str | None = None) -> None:
        found = attempt(self, self._letters.templates)
        if found is None:
            return
        self.templates = found
        self.list.clear()
        for template in found:
            self.list.addItem(template.name)
        keys = [t.key for t in found]
        self.list.setCurrentRow(keys.index(key) if key in keys else 0)

    @property
    def current(self) -> LetterTemplate | None:
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def _show(self, _row: int) -> None:
        template = self.current
        if template is None:
            return
        self.fields.clear()
        self.name.setText(template.name)
        self.kind.setCurrentIndex(self.kind.findData(template.kind))
        self.body.setPlainText(template.body)
        self.note.setPlainText(template.note)
        self.kind.setEnabled(not template.built_in)
        self.remove_button.setText("Put &back as it was" if template.built_in else "&Remove")
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.body.setEnabled(self.kind.currentData() == LETTER)

    def new(self) -> None:
        self.list.addItem("A new letter")
        self.templates.append(LetterTemplate("", "", LETTER, "Dear {first_name},\n\n",
                                             "{sender}"))
        self.list.setCurrentRow(len(self.templates) - 1)
        self.name.setFocus()

    def save(self) -> LetterTemplate | None:
        template = self.current
        if template is None:
            return None
        kind = str(self.kind.currentData())
        wanted = LetterTemplate(template.key, self.name.text(), kind,
                                self.body.toPlainText() if kind == LETTER else "",
                                self.note.toPlainText(), template.built_in)
        letters, actor = self._letters, self._actor
        saved = attempt(self, lambda: letters.save_template(wanted, actor), fields=self.fields)
        if saved is not None:
            self.reload(saved.key)
        return saved

    def remove(self) -> None:
        template = self.current
        if template is None:
            return
        if template.key:
            letters, actor, key = self._letters, self._actor, template.key
            if attempt(self, lambda: letters.remove_template(key, actor)) is None:
                return
        self.reload(template.key if template.built_in else None)
