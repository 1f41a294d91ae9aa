"""File → Connect to a shared shop…: the code and the password the other computer showed.

The connection is tried on a worker (a server on the network may take seconds to answer);
what is wrong is said at the field that caused it, and nothing is kept until it worked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.errors import CrmError, ValidationError
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.field_errors import error_label
from crm_desktop.gui.shared.widgets import wrapping_label
from crm_desktop.gui.sharing.code_fields import CodeFields
from crm_desktop.gui.sharing.code_picture import code_from_picture
from crm_desktop.gui.sharing.scan_dialog import ScanDialog, cameras
from crm_desktop.storage.shared_shop import ShopLink

log = logging.getLogger(__name__)
Connect = Callable[[str, str], ShopLink]


class ConnectDialog(QDialog):
    """Accepted once connected: ``link`` is the shop this desk now works on."""

    def __init__(self, connect: Connect, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a shared shop")
        self._connect = connect
        self._background = background
        self._busy = False
        self.link: ShopLink | None = None
        intro = wrapping_label(
            "On the computer that holds the shop, <b>File → Share this shop with another "
            "desk…</b> shows a connection code and a password. Type both here, or scan the "
            "code's square with this computer's camera (or from a photo of that screen). "
            "This desk checks that it reaches that very computer before it sends the password, and "
            "keeps the password in this computer's keyring.", rich=True)
        fields = CodeFields()
        self.code, self.password = fields.code, fields.password
        self.code_error, self.password_error = fields.code_error, fields.password_error
        self.field_errors = fields.field_errors
        self.code.setMinimumWidth(420)
        form = fields.form
        self.scan_button = QPushButton("&Scan with the camera…")
        self.scan_button.clicked.connect(self.scan)
        self._cameras = cameras()
        if not self._cameras:
            self.scan_button.setEnabled(False)
            self.scan_button.setToolTip("This computer has no camera: open a photo of the "
                                        "code, or type it.")
        self.photo_button = QPushButton("Open a p&hoto of the code…")
        self.photo_button.clicked.connect(self.open_photo)
        scanning = QHBoxLayout()
        scanning.addWidget(self.scan_button)
        scanning.addWidget(self.photo_button)
        scanning.addStretch(1)
        form.insertRow(2, "", scanning)
        self.working = QProgressBar()
        self.working.setRange(0, 0)
        self.working.setTextVisible(False)
        self.working.hide()
        self.status = QLabel()
        self.error = error_label()
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            "&Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setDefault(True)
        self.buttons.accepted.connect(self.try_to_connect)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.working)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self._busy

    def try_to_connect(self) -> None:
        if self.busy:
            return
        self.field_errors.clear()
        self.error.hide()
        self._set_busy(True)
        code, password, connect = self.code.text(), self.password.text(), self._connect
        self._background.run(lambda: connect(code, password), self._connected, self._refused)

    def scan(self) -> None:
        if not self._cameras:
            return
        scanner = ScanDialog(self._cameras[0], self)
        found = scanner.code if scanner.exec() == QDialog.DialogCode.Accepted else None
        scanner.deleteLater()  # (the camera is let go of when it closes)
        if found is not None:
            self._code_found(found)

    def open_photo(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Open a photo of the connection code", str(Path.home()),
            "Pictures (*.png *.jpg *.jpeg *.heic *.webp *.bmp *.gif);;All files (*)")
        if chosen:
            self.read_photo(Path(chosen))

    def read_photo(self, path: Path) -> None:
        self.field_errors.clear()
        try:
            code = code_from_picture(path)
        except ValidationError as exc:
            self.field_errors.show(exc.errors)
            return
        self._code_found(code)

    def _code_found(self, code: str) -> None:
        self.field_errors.clear()
        self.code.setText(code)
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.working.setVisible(busy)
        self.status.setText("Connecting…" if busy else "")
        for widget in (self.code, self.password, self.connect_button, self.photo_button):
            widget.setEnabled(not busy)
        self.scan_button.setEnabled(not busy and bool(self._cameras))

    def _connected(self, link: ShopLink) -> None:
        self._set_busy(False)
        self.link = link
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            first = self.field_errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        if not isinstance(exc, CrmError):
            log.error("connecting to a shared shop failed", exc_info=exc)
        self.error.setText(exc.message if isinstance(exc, CrmError) else
                           "Something went wrong while connecting; it is in the log. Nothing "
                           "was changed on this desk.")
        self.error.show()

    def reject(self) -> None:
        if not self.busy:  # the try finishes (at most a few seconds) before the window goes
            super().reject()
