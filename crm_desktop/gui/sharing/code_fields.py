"""The connection code and the password, typed at the other desk (or from what a terminal
setup printed): monospaced, each with its own error line, in a form of their own."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QLineEdit

from crm_desktop.gui.shared.field_errors import FieldErrors, error_label

MOST_TYPED = 200  # characters: a code is about fifty, a password twenty-four


def monospace() -> QFont:
    """Codes and passwords read character by character: 0 and O, 1 and l apart."""
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class CodeFields:
    """``code`` and ``password`` fields; ``field_errors`` shows a refusal at the one it
    names; ``form`` lays them out."""

    def __init__(self) -> None:
        self.code, self.password = QLineEdit(), QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText("CRM-XXXX-XXXX-…")
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.code, self.password):
            field.setFont(monospace())
            field.setMaxLength(MOST_TYPED)
        self.code_error, self.password_error = error_label(), error_label()
        self.field_errors = FieldErrors()
        self.field_errors.register("code", self.code, self.code_error)
        self.field_errors.register("password", self.password, self.password_error)
        self.form = QFormLayout()
        self.form.addRow("Connection &code:", self.code)
        self.form.addRow("", self.code_error)
        self.form.addRow("&Password:", self.password)
        self.form.addRow("", self.password_error)
