"""Signing in at the start, and choosing or changing a password.

The name box lists the people who use the app, the last one at this desk first; a name can
also be typed. A refusal never says which of the two was wrong, and once tries come too fast
the button waits, counting down, for as long as the service asks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import APP_NAME
from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError, SignInError, ValidationError
from crm_desktop.gui.shared.field_errors import error_label
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.passwords import MIN_LENGTH
from crm_desktop.services.admin.user_service import UserService, UserView


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setMaxLength(1024)
    return field


class SignInDialog(QDialog):
    """Who is at this desk. ``person`` is set once the password was right (and, when the
    owner gave it, replaced by one of the person's own)."""

    def __init__(self, users: UserService, *, last_user_id: int | None = None,
                 shop_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._users = users
        self.person: UserView | None = None
        self.setWindowTitle(f"Sign in — {shop_name or APP_NAME}")
        self.setMinimumWidth(420)
        heading = QLabel(f"<h3>{shop_name or APP_NAME}</h3>Sign in to see the shop's customers.")
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        people = users.list_active()
        people.sort(key=lambda p: (p.id != last_user_id, p.display_name.casefold()))
        for person in people:
            self.name.addItem(person.display_name, person.username)
        self.password = password_field()
        self.message = error_label()
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Password", self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("&Sign in")
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._wait = 0
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self.tick)
        self.password.setFocus()

    def typed_name(self) -> str:
        text = self.name.currentText()
        index = self.name.findText(text, Qt.MatchFlag.MatchFixedString)
        return str(self.name.itemData(index)) if index >= 0 else text

    def sign_in(self) -> None:
        if self._wait > 0:
            return
        name, password = self.typed_name(), self.password.text()
        try:
            person = self._users.sign_in(name, password)
        except SignInError as exc:
            if self._first_password(name):
                return
            self._refused(exc)
            return
        except CrmError as exc:
            self._show(exc.message)
            return
        if person.must_change_password:
            dialog = PasswordDialog(self._users, person.as_actor(), current=password,
                                    reason="The owner gave you this password for your first "
                                           "sign-in. Choose your own now.", parent=self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                self._show("Your password must be changed before you can start.")
                return
            person = dialog.person or person
        self.person = person
        self.accept()

    def _first_password(self, name: str) -> bool:
        """A shop upgraded from a version without passwords: its owner chooses one now."""
        person = self._users.find(name)
        if person is None or person.has_password:
            return False
        dialog = PasswordDialog(self._users, person.as_actor(), first_for=person,
                                reason="This shop had no passwords yet. Choose yours: from "
                                       "now on you sign in with it.", parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.person is not None:
            self.person = dialog.person
            self.accept()
        return True

    def _refused(self, exc: SignInError) -> None:
        self.password.clear()
        self.password.setFocus()
        self._show(exc.message)
        if exc.wait_seconds:
            self._wait = exc.wait_seconds
            self.sign_in_button.setEnabled(False)
            self.countdown.start()

    def tick(self) -> None:
        """One second of the wait gone (the countdown timer calls this)."""
        self._wait -= 1
        if self._wait > 0:
            self._show(f"Too many tries. Wait {self._wait} seconds, then try again.")
            return
        self.countdown.stop()
        self.sign_in_button.setEnabled(True)
        self._show("You can try again now.")

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


class PasswordDialog(FormDialog):
    """Change one's own password (typing the current one), or choose the first one.

    ``current`` given: the person has just typed it (a first password from the owner), so it
    is not asked again. ``first_for`` given: the owner of an upgraded shop with no password."""

    def __init__(self, users: UserService, actor: Actor, *, current: str | None = None,
                 first_for: UserView | None = None, reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__("Choose your password" if first_for or current is not None
                         else "Change your password", parent)
        self._users = users
        self._actor = actor
        self._current = current
        self._first_for = first_for
        self.person: UserView | None = None
        if reason:
            note = QLabel(reason)
            note.setWordWrap(True)
            self.form.addRow(note)
        self.current_password = password_field()
        if current is None and first_for is None:
            self.add_field("&Current password", self.current_password, "current_password")
        self.new_password = password_field(f"at least {MIN_LENGTH} characters")
        self.repeat_password = password_field()
        self.add_field("&New password", self.new_password, "new_password")
        self.add_field("&Repeat it", self.repeat_password, "repeat_password")
        self.watch("password", self.new_password)
        (self.current_password if current is None and first_for is None
         else self.new_password).setFocus()

    def save(self) -> None:
        def change() -> UserView:
            new = self.new_password.text()
            if new != self.repeat_password.text():
                raise ValidationError.single("repeat_password",
                                             "The two passwords differ. Type them again.")
            if self._first_for is not None:
                return self._users.set_first_password(self._first_for.id, new)
            current = self._current if self._current is not None else (
                self.current_password.text())
            return self._users.change_password(current, new, self._actor)

        person = self.attempt_save(change)
        if person is not None:
            self.person = person
            self.accept()
