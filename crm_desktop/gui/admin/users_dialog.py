"""Who works at the shop: add the receptionist, switch off someone who left (owner only)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
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
from crm_desktop.gui.shared.field_errors import FieldErrors, error_label
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.models import Role
from crm_desktop.services.admin.user_service import UserService, UserView

ROLE_LABELS = {Role.OWNER: "Owner", Role.RECEPTIONIST: "Receptionist"}


class UsersDialog(QDialog):
    def __init__(self, users: UserService, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("People who use CRM Desktop")
        self.resize(460, 380)
        self._users = users
        self._actor = actor
        self.list = QListWidget()
        self.toggle = QPushButton("Switch off")
        self.name = QLineEdit()
        self.name.setPlaceholderText("name of the new person")
        self.role = QComboBox()
        for role, label in ROLE_LABELS.items():
            self.role.addItem(label, role.value)
        self.role.setCurrentIndex(self.role.findData(Role.RECEPTIONIST.value))
        self.add_button = QPushButton("&Add")
        self.error = error_label()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        adder = QHBoxLayout()
        adder.addWidget(self.name, 1)
        adder.addWidget(self.role)
        adder.addWidget(self.add_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.toggle)
        layout.addLayout(adder)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addWidget(close)
        self._errors = FieldErrors()
        self._errors.register("display_name", self.name, self.error)
        self._errors.register("active", self.list, self.error)
        self.add_button.clicked.connect(self.add)
        self.name.returnPressed.connect(self.add)
        self.toggle.clicked.connect(self.toggle_current)
        self.list.currentRowChanged.connect(self._update_toggle)
        close.rejected.connect(self.reject)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for user in self._users.list_all():
            text = f"{user.display_name} — {ROLE_LABELS[user.role]}"
            if not user.active:
                text += " (switched off)"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, user)
            self.list.addItem(item)
        self._update_toggle()

    def current_user(self) -> UserView | None:
        item = self.list.currentItem()
        user = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return user if isinstance(user, UserView) else None

    def _update_toggle(self) -> None:
        user = self.current_user()
        self.toggle.setEnabled(user is not None)
        self.toggle.setText("Switch on again" if user is not None and not user.active
                            else "Switch off")

    def add(self) -> None:
        role = Role(self.role.currentData())
        added = attempt(self, lambda: self._users.add(self.name.text(), role, self._actor),
                        fields=self._errors)
        if added is not None:
            self.name.clear()
            self._errors.clear()
            self.refresh()

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

