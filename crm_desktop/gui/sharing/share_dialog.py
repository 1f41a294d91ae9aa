"""File → Share this shop with another desk…: on the computer that will hold the data.

One window walks the owner through it, every slow step on a worker with its progress:

1. what will happen, and *Share this shop*;
2. the PostgreSQL server on this computer set up (or: how to install one; or, when the
   server's administrator must do it, the command to type in a terminal and fields for what
   it printed);
3. the shop's data moved in and checked, row by row;
4. the connection code and the password to type at the other desk, with *Copy*; closing it
   opens the shared shop here.

Until the last step nothing on this desk has changed: a failure says why and the shop stays
as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.errors import CrmError, ValidationError
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.field_errors import error_label
from crm_desktop.gui.shared.widgets import wrapping_label
from crm_desktop.gui.sharing.code_fields import CodeFields, monospace
from crm_desktop.gui.sharing.code_picture import code_picture
from crm_desktop.services.admin.sharing_service import ShopShared
from crm_desktop.storage.server_setup import (
    NeedsServerAdminError,
    SharedDatabase,
)
from crm_desktop.storage.shared_shop import connection_code, fingerprint_text

log = logging.getLogger(__name__)
Report = Callable[[int, int], None]


class ShareDialog(QDialog):
    """Accepted once the shop is shared: ``shared`` says where, for the code shown."""

    def __init__(self, *, set_up: Callable[[Callable[[str], None]], SharedDatabase],
                 from_terminal: Callable[[str, str], SharedDatabase],
                 share: Callable[[SharedDatabase, Report], ShopShared],
                 background: Background, customers: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share this shop with another desk")
        self.setMinimumWidth(560)
        self._set_up, self._from_terminal, self._share = set_up, from_terminal, share
        self._background = background
        self.shared: ShopShared | None = None
        self.connection_code = ""  # once shared
        self._steps = _StepRelay(self)
        self._steps.said.connect(self.say_step)
        self.pages = QStackedWidget()
        self.intro_page = self._intro(customers)
        self.working_page = self._working()
        self.terminal_page = self._terminal()
        self.done_page = self._done()
        for page in (self.intro_page, self.working_page, self.terminal_page, self.done_page):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # ---- the pages -----------------------------------------------------------------------------

    def _intro(self, customers: str) -> QWidget:
        page = QWidget()
        self.intro_text = text = wrapping_label(
            "<p>This computer will hold the shop for both desks, so it should stay on while "
            "the shop is open (usually the front desk).</p>"
            "<p>CRM Desktop will:</p><ul>"
            "<li>set up the PostgreSQL server on this computer: the shop's own database and "
            "password, encrypted connections, and only computers of your local network let "
            "in;</li>"
            f"<li>move this shop ({customers}) into it and check every row;</li>"
            "<li>keep this shop's file exactly as it is now, as a backup;</li>"
            "<li>show a short code and a password to type at the other desk.</li></ul>"
            "<p>It takes a minute or two; nobody should use the shop meanwhile.</p>",
            rich=True)
        self.intro_error = error_label()
        self.intro_error.setObjectName("intro_error")
        self.intro_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.share_button = QPushButton("&Share this shop")
        self.share_button.setDefault(True)
        self.share_button.clicked.connect(self.start)
        self.terminal_button = QPushButton("The setup ran in a &terminal…")
        self.terminal_button.setToolTip("You ran 'crm-desktop server setup' already and have "
                                        "the code and the password it printed")
        self.terminal_button.clicked.connect(lambda: self._show_terminal(None))
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.terminal_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.share_button)
        layout = QVBoxLayout(page)
        layout.addWidget(text)
        layout.addWidget(self.intro_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _working(self) -> QWidget:
        page = QWidget()
        self.step = QLabel()
        self.step.setObjectName("step")
        self.progress = QProgressBar()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.step)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        return page

    def _terminal(self) -> QWidget:
        page = QWidget()
        self.terminal_why = wrapping_label()
        self.command = QLineEdit()
        self.command.setObjectName("command")
        self.command.setReadOnly(True)
        copy_command = QPushButton("Copy")
        copy_command.clicked.connect(lambda: _copy(self.command.text()))
        command_row = QHBoxLayout()
        command_row.addWidget(self.command, 1)
        command_row.addWidget(copy_command)
        then = wrapping_label("When it has run, type the connection code and the password "
                              "it printed:")
        fields = CodeFields()
        self.code, self.password = fields.code, fields.password
        self.field_errors = fields.field_errors
        self.terminal_error = error_label()  # what is wrong beyond a field
        back = QPushButton("Back")
        back.clicked.connect(lambda: self.pages.setCurrentWidget(self.intro_page))
        self.continue_button = QPushButton("&Move the shop in")
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.continue_from_terminal)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.terminal_why)
        layout.addLayout(command_row)
        layout.addWidget(then)
        layout.addLayout(fields.form)
        layout.addWidget(self.terminal_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _done(self) -> QWidget:
        page = QWidget()
        title = QLabel("<b>The shop is shared.</b> At the other desk, choose <i>File → "
                       "Connect to a shared shop…</i> and type (or scan) the code, then "
                       "the password:")
        title.setWordWrap(True)
        big = monospace()
        big.setPointSizeF(big.pointSizeF() * 1.4)
        self.code_shown = QLabel()
        self.code_shown.setObjectName("code_shown")
        self.password_shown = QLabel()
        self.password_shown.setObjectName("password_shown")
        for label in (self.code_shown, self.password_shown):
            label.setFont(big)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy_code = QPushButton("Copy")
        copy_code.clicked.connect(lambda: _copy(self.connection_code))
        copy_password = QPushButton("Copy")
        copy_password.clicked.connect(lambda: _copy(self.password_shown.text()))
        grid = QVBoxLayout()
        grid.addWidget(QLabel("Connection code:"))
        grid.addWidget(_row(self.code_shown, copy_code))
        grid.addWidget(QLabel("Password:"))
        grid.addWidget(_row(self.password_shown, copy_password))
        grid.addStretch(1)
        # The code as a square, for the other desk's camera (or a photo of this screen).
        self.code_square = QLabel()
        self.code_square.setObjectName("code_square")
        self.code_square.setToolTip("The connection code, to scan at the other desk "
                                    "(Connect to a shared shop… → Scan with the camera…)")
        square = QVBoxLayout()
        square.addWidget(self.code_square, 0, Qt.AlignmentFlag.AlignHCenter)
        square.addWidget(QLabel("or scan it"), 0, Qt.AlignmentFlag.AlignHCenter)
        codes = QHBoxLayout()
        codes.addLayout(grid, 1)
        codes.addLayout(square)
        self.done_text = wrapping_label(rich=True)
        open_shared = QPushButton("&Open the shared shop")
        open_shared.setDefault(True)
        open_shared.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(open_shared)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addLayout(codes)
        layout.addWidget(self.done_text)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # ---- the steps -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.pages.currentWidget() is self.working_page

    def start(self) -> None:
        """Set the server up on a worker, then move the shop in."""
        self.intro_error.hide()
        self._working_on("Checking the PostgreSQL server…")
        set_up, say = self._set_up, self._steps.say
        self._background.run(lambda: set_up(say), self._move_in, self._setup_failed)

    def continue_from_terminal(self) -> None:
        self.field_errors.clear()
        self.terminal_error.hide()
        code, password, take = self.code.text(), self.password.text(), self._from_terminal
        self._working_on("Checking the server the code names…")
        self._background.run(lambda: take(code, password), self._move_in,
                             self._terminal_refused)

    def _move_in(self, shared: SharedDatabase) -> None:
        self._working_on("Moving the shop in and checking every row…")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        share = self._share
        self._background.run_with_progress(
            lambda report: share(shared, report), self._shared, self._move_failed,
            self._moved_so_far)

    def _moved_so_far(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.step.setText(f"Moving the shop in and checking every row… "
                          f"{done:,} of {total:,}")

    def _shared(self, shared: ShopShared) -> None:
        self.shared = shared
        self.connection_code = connection_code(shared.link)
        groups = self.connection_code.split("-")
        half = (len(groups) + 1) // 2  # two lines, to read out and to type in two goes
        self.code_shown.setText("-".join(groups[:half]) + "-\n" + "-".join(groups[half:]))
        self.password_shown.setText(shared.password)
        self.code_square.setPixmap(QPixmap.fromImage(code_picture(self.connection_code,
                                                                  scale=4)))
        kept = (f" This shop's file is kept as it was, as a backup: <code>{shared.kept_file}"
                "</code>." if shared.kept_file is not None else "")
        fingerprint = fingerprint_text(shared.link.fingerprint)[:23]
        self.done_text.setText(
            f"<p>{shared.report.rows:,} rows moved and checked.{kept}</p>"
            "<p>Write the password down and keep it somewhere safe (not on a note on the "
            "screen): it is shown this once, and this computer keeps it in its keyring. The "
            f"code also checks the server's certificate (fingerprint {fingerprint}"
            "…), so the other desk cannot be sent elsewhere.</p>")
        self.pages.setCurrentWidget(self.done_page)
        wanted = self.sizeHint()  # the code and the password whole, never cut off
        self.resize(max(self.width(), wanted.width()), max(self.height(), wanted.height()))

    def _setup_failed(self, exc: Exception) -> None:
        if isinstance(exc, NeedsServerAdminError):
            self._show_terminal(exc)
            return
        self._back_to_intro(exc)

    def _terminal_refused(self, exc: Exception) -> None:
        self.pages.setCurrentWidget(self.terminal_page)
        if isinstance(exc, ValidationError):
            first = self.field_errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        self.terminal_error.setText(_words(exc))
        self.terminal_error.show()

    def _move_failed(self, exc: Exception) -> None:
        self._back_to_intro(exc, prefix="The shop was not moved, and this desk works on its "
                                        "own file as before. ")

    def _back_to_intro(self, exc: Exception, prefix: str = "") -> None:
        # (No server at all: the set-up's own message says how to install one.)
        self.intro_error.setText(prefix + _words(exc))
        self.intro_error.show()
        self.share_button.setText("Try &again")
        self.pages.setCurrentWidget(self.intro_page)

    def _show_terminal(self, exc: NeedsServerAdminError | None) -> None:
        why = (exc.message if exc is not None else
               "Run the setup in a terminal on this computer, as the server's administrator:")
        self.terminal_why.setText(why)
        self.command.setText(exc.command if exc is not None else
                             "sudo -u postgres crm-desktop server setup")
        self.pages.setCurrentWidget(self.terminal_page)
        self.code.setFocus()

    def _working_on(self, text: str) -> None:
        self.step.setText(text)
        self.progress.setRange(0, 0)  # busy until there is something to count
        self.pages.setCurrentWidget(self.working_page)

    def say_step(self, text: str) -> None:
        if self.busy:
            self.step.setText(text)

    def reject(self) -> None:
        if self.busy:  # a move half done is not left behind: it finishes or rolls back
            return
        if self.shared is not None:  # shared already: only the way forward is left
            self.accept()
            return
        super().reject()


class _StepRelay(QObject):
    """The set-up's steps, said on the worker, shown on the UI thread (a queued signal; a
    plain QObject, so the worker holds no widget)."""

    said = Signal(str)

    def say(self, text: str) -> None:
        self.said.emit(text)


def _words(exc: Exception) -> str:
    if isinstance(exc, CrmError):
        return exc.message
    log.error("sharing the shop failed", exc_info=exc)
    return "Something went wrong; it is in the log. Nothing was changed."


def _copy(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)


def _row(label: QLabel, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(label, 1)
    layout.addWidget(button)
    return row
