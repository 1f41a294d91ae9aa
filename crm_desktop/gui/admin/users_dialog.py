"""Who works at the shop (owner only): add the receptionist with a first password, give
someone a new password, change a role, switch off someone who left."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.gui.admin.sign_in_dialog import password_field
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.widgets import FormDialog
from crm_desktop.models import Role
from crm_desktop.passwords import MIN_LENGTH
from crm_desktop.permissions import ROLE_LABELS
from crm_desktop.services.admin.user_service import UserService, UserView


def _role_combo(selected: Role) -> QComboBox:
    combo = QComboBox()
    for role, label in ROLE_LABELS.items():
        combo.addItem(label, role.value)
    combo.setCurrentIndex(combo.findData(selected.value))
    return combo


class UsersDialog(QDialog):
    def __init__(self, users: UserService, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("People who use CRM Desktop")
        self.resize(560, 520)
        self._users = users
        self._actor = actor
        self.list = QListWidget()
        self.toggle = QPushButton("Switch off")
        self.reset_button = QPushButton("New &password…")
        self.reset_button.setToolTip("Give a new first password, to be changed at sign-in")
        self.role_button = QPushButton("Change &role…")
        self.name = QLineEdit()
        self.name.setPlaceholderText("name of the new person")
        self.role = _role_combo(Role.RECEPTIONIST)
        self.first_password = password_field(f"at least {MIN_LENGTH} characters")
        self.first_password.setEchoMode(QLineEdit.EchoMode.Normal)  # to be read out to them
        self.add_button = QPushButton("&Add")
        self.error = error_label()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        actions = QHBoxLayout()
        for button in (self.toggle, self.reset_button, self.role_button):
            actions.addWidget(button)
        actions.addStretch(1)
        adder_box = QGroupBox("Add a person")
        adder = QFormLayout(adder_box)
        adder.addRow("&Name", self.name)
        adder.addRow("R&ole", self.role)
        adder.addRow("&First password", self.first_password)
        hint = QLabel("Tell them this password; they choose their own when they first "
                      "sign in.")
        hint.setWordWrap(True)
        adder.addRow(hint)
        adder.addRow(self.add_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addWidget(adder_box)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addWidget(close)
        self._errors = FieldErrors()
        self._errors.register("display_name", self.name, self.error)
        self._errors.register("password", self.first_password, self.error)
        self._errors.register("role", self.list, self.error)
        self._errors.register("active", self.list, self.error)
        self.add_button.clicked.connect(self.add)
        self.toggle.clicked.connect(self.toggle_current)
        self.reset_button.clicked.connect(self.reset_current)
        self.role_button.clicked.connect(self.change_role)
        self.list.currentRowChanged.connect(self._update_buttons)
        close.rejected.connect(self.reject)
        self.refresh()

    def refresh(self) -> None:
        row = self.list.currentRow()
        self.list.clear()
        for user in self._users.list_all():
            text = f"{user.display_name} ({user.username}) — {ROLE_LABELS[user.role]}"
            if not user.active:
                text += " — switched off"
            elif user.must_change_password:
                text += " — has a first password"
            elif not user.has_password:
                text += " — no password yet"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, user)
            self.list.addItem(item)
        self.list.setCurrentRow(min(row, self.list.count() - 1))
        self._update_buttons()

    def current_user(self) -> UserView | None:
        item = self.list.currentItem()
        user = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return user if isinstance(user, UserView) else None

    def _update_buttons(self) -> None:
        user = self.current_user()
        for button in (self.toggle, self.reset_button, self.role_button):
            button.setEnabled(user is not None)
        self.toggle.setText("Switch on again" if user is not None and not user.active
                            else "Switch off")

    def add(self) -> None:
        role = Role(self.role.currentData())
        added = attempt(self, lambda: self._users.add(
            self.name.text(), role, self._actor, first_password=self.first_password.text()),
            fields=self._errors)
        if added is not None:
            self.name.clear()
            self.first_password.clear()
            self._errors.clear()
            self.refresh()
            self.notice.setText(f"{added.display_name} signs in as “{added.username}” with "
                                "the first password you gave.")

    def toggle_current(self) -> None:
        user = self.current_user()
        if user is None:
            return
        changed = attempt(self, lambda: self._users.set_active(user.id, not user.active,
                                                               self._actor),
                          fields=self._errors)
        if changed is not None:
            self.refresh()
            if changed.handed_over:
                self.notice.setText(f"{changed.display_name}'s {changed.handed_over} open "
                                    "queries are yours now; reassign them from Queries.")

    def reset_current(self) -> ResetPasswordDialog | None:
        user = self.current_user()
        if user is None:
            return None
        dialog = ResetPasswordDialog(self._users, self._actor, user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.refresh)
        dialog.accepted.connect(lambda: self.notice.setText(
            f"{user.display_name} has a new first password."))
        dialog.open()
        return dialog

    def change_role(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Role of {user.display_name}")
        combo = _role_combo(user.role)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QFormLayout(dialog)
        layout.addRow("&Role", combo)
        layout.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        changed = attempt(self, lambda: self._users.set_role(
            user.id, Role(combo.currentData()), self._actor), fields=self._errors)
        if changed is not None:
            self.refresh()


class ResetPasswordDialog(FormDialog):
    def __init__(self, users: UserService, actor: Actor, user: UserView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"New password for {user.display_name}", parent)
        self._users = users
        self._actor = actor
        self._user = user
        self.password = password_field(f"at least {MIN_LENGTH} characters")
        self.password.setEchoMode(QLineEdit.EchoMode.Normal)
        note = QLabel(f"{user.display_name} signs in with it once, then chooses their own.")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.add_field("&First password", self.password, "password")

    def save(self) -> None:
        def reset() -> UserView:
            if not self.password.text():
                raise ValidationError.single("password", "Type the new first password.")
            return self._users.reset_password(self._user.id, self.password.text(),
                                              self._actor)

        if self.attempt_save(reset) is not None:
            self.accept()
