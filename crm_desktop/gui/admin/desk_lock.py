"""The lock at the front desk: Ctrl+Shift+L, or after some idle minutes, every window of the
app is covered until the person's password is typed again. Nothing is closed: a half-typed
form is still there, as it was, after unlocking.

Each open window gets a cover (a child widget over all of it) with the password field, so
whichever window is in front, modal dialog or not, can be unlocked from where it is; while
locked, an application-wide event filter lets no key or click reach anything but a cover.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.errors import CrmError, SignInError
from crm_desktop.gui.admin.sign_in_dialog import password_field
from crm_desktop.gui.shared.field_errors import error_label
from crm_desktop.services.admin.user_service import UserService, UserView

IDLE_CHECK_MS = 15_000
_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel,
    QEvent.Type.ShortcutOverride, QEvent.Type.Shortcut, QEvent.Type.MouseMove,
    QEvent.Type.TouchBegin,
})
_ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})


class LockCover(QFrame):
    """What a locked window shows instead of its content."""

    def __init__(self, window: QWidget, person: UserView, unlock: Callable[[LockCover], None],
                 switch: Callable[[], None]) -> None:
        super().__init__(window)
        self.setObjectName("lock_cover")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet("#lock_cover { background: palette(window); }")
        title = QLabel("Locked")
        title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        words = QLabel(f"{person.display_name} locked this desk.\nType the password to go "
                       "on where you left off.")
        words.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = password_field("password")
        self.password.returnPressed.connect(lambda: unlock(self))
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(lambda: unlock(self))
        self.switch_button = QPushButton("Someone &else…")
        self.switch_button.setToolTip("Sign in as another person; what is not saved is lost")
        self.switch_button.clicked.connect(switch)
        self.message = error_label()
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.unlock_button)
        box = QWidget()
        box.setFixedWidth(420)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(words)
        inner.addLayout(row)
        inner.addWidget(self.message)
        inner.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addStretch(2)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()
        self.password.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        elif event.type() == QEvent.Type.ChildAdded:
            self.raise_()
        return False


class DeskLock(QObject):
    """Locks and unlocks every window of the app for the person signed in.

    ``idle_minutes`` 0 means never by itself; ``monotonic`` is the clock idleness is measured
    with (tests move it by hand)."""

    locked_changed = Signal(bool)
    switch_requested = Signal()

    def __init__(self, users: UserService, person: UserView, *, idle_minutes: int,
                 monotonic: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._users = users
        self._person = person
        self._monotonic = monotonic
        self.idle_minutes = idle_minutes
        self._last_input = monotonic()
        self.covers: list[LockCover] = []
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return bool(self._live_covers())

    def _live_covers(self) -> list[LockCover]:
        """The covers still there: a window closed while locked (a backup looked inside is
        closed by the lock itself) takes its cover with it."""
        self.covers = [cover for cover in self.covers if shiboken6.isValid(cover)]
        return self.covers

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_minutes = max(0, minutes)

    def check_idle(self) -> None:
        idle_s = self._monotonic() - self._last_input
        if self.idle_minutes and not self.locked and idle_s >= self.idle_minutes * 60:
            self.lock()

    def lock(self) -> None:
        if self.locked:
            return
        windows = [w for w in QApplication.topLevelWidgets()
                   if w.isVisible() and not isinstance(w, LockCover) and w.isWindow()
                   and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup)]
        for window in windows:
            self.covers.append(LockCover(window, self._person, self._unlock,
                                         self.switch_requested.emit))
        self.locked_changed.emit(True)

    def _unlock(self, cover: LockCover) -> None:
        try:
            person = self._users.sign_in(self._person.username, cover.password.text())
        except SignInError as exc:
            self._refused(cover, exc.message)
            return
        except CrmError as exc:
            self._refused(cover, exc.message)
            return
        if person.id != self._person.id:  # a name shared by two people: not this one
            self._refused(cover, "That password does not unlock this desk.")
            return
        self.unlock()

    def unlock(self) -> None:
        for cover in self._live_covers():
            cover.deleteLater()
            cover.hide()
        self.covers.clear()
        self._last_input = self._monotonic()
        self.locked_changed.emit(False)

    @staticmethod
    def _refused(cover: LockCover, message: str) -> None:
        cover.password.clear()
        cover.password.setFocus()
        cover.message.setText(message)
        cover.message.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            self._last_input = self._monotonic()
        if kind not in _INPUT or not self._live_covers():
            return False
        if isinstance(watched, QWidget) and any(
                watched is c or c.isAncestorOf(watched) for c in self.covers):
            return False
        if isinstance(event, QKeyEvent) and kind == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut of the covered window fires while locked
            return True
        return isinstance(watched, QWidget) or kind in (QEvent.Type.Shortcut,)

    def stop(self) -> None:
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for cover in self._live_covers():
            cover.deleteLater()
        self.covers.clear()
