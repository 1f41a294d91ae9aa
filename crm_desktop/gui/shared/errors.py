"""Errors reach a person as a clear message, never as a traceback.

Known errors (``CrmError``: validation, conflicts, locked or read-only database, disk full)
become a plain message box. Anything else is a bug: it is logged with its traceback and shown
in a dialog whose details can be copied into a bug report.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import APP_NAME, __version__
from crm_desktop.errors import CrmError

log = logging.getLogger(__name__)


class BugReportDialog(QDialog):
    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME}: something went wrong")
        self.resize(620, 420)
        layout = QVBoxLayout(self)
        where = f"<br>The details are also in the log: <code>{log_file}</code>" if log_file else ""
        message = QLabel(
            "<b>Something unexpected went wrong.</b><br>Your saved work is safe; the last action "
            "may not have completed. Please send these details to whoever looks after the app."
            + where
        )
        message.setWordWrap(True)
        message.setTextInteractionFlags(message.textInteractionFlags())
        layout.addWidget(message)
        self.details = QPlainTextEdit(f"{APP_NAME} {__version__}\n\n{details}")
        self.details.setReadOnly(True)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())


_log_file: Path | None = None


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the person what went wrong, in the way that fits the error."""
    if isinstance(exc, CrmError):
        log.info("refused: %s", exc)
        QMessageBox.warning(parent, exc.title, exc.message)
        return
    details = "".join(traceback.format_exception(exc))
    log.error("unexpected error\n%s", details)
    BugReportDialog(details, _log_file, parent).exec()


def install_exception_hook(log_file: Path) -> None:
    """Route uncaught exceptions (e.g. in slots) to ``show_error`` instead of stderr."""
    global _log_file  # noqa: PLW0603 - one hook per process, set once at start-up
    _log_file = log_file

    def hook(kind: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        show_error(QApplication.activeWindow(), exc.with_traceback(tb))

    sys.excepthook = hook
