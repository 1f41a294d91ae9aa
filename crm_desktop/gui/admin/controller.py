"""The shop's own set-up: shop settings, the people who use the app, one's own password, and
the audit trail."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from crm_desktop.gui.admin.audit_dialogs import AuditLogDialog, ChangesDialog
from crm_desktop.gui.admin.settings_dialog import SettingsDialog
from crm_desktop.gui.admin.sign_in_dialog import PasswordDialog
from crm_desktop.gui.admin.users_dialog import UsersDialog
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.services.admin.audit_service import AuditService
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService


class AdminController(Controller):
    settings_saved = Signal(object)  # BusinessSettings: the shell retitles and reformats

    def __init__(self, desk: Desk, settings: SettingsService, users: UserService,
                 audit: AuditService) -> None:
        super().__init__(desk)
        self._settings = settings
        self._users = users
        self._audit = audit

    def edit_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self._settings, self.actor, self.window)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.saved))
        return self.desk.ops.dialog(dialog)

    def _settings_saved(self, saved: BusinessSettings | None) -> None:
        if saved is not None:
            self.settings_saved.emit(saved)
            self.desk.ops.announce(Changes.of(Change.SETTINGS, []), "Settings saved")

    def edit_users(self) -> UsersDialog:
        dialog = UsersDialog(self._users, self.actor, self.window)
        # People are added and switched off one by one inside the dialog; announce on close.
        dialog.finished.connect(lambda _result: self.desk.ops.announce(
            Changes.of(Change.USERS, [])))
        return self.desk.ops.dialog(dialog)

    def change_password(self) -> PasswordDialog:
        dialog = PasswordDialog(self._users, self.actor, parent=self.window)
        dialog.accepted.connect(lambda: self.desk.ops.say("Your password is changed."))
        return self.desk.ops.dialog(dialog)

    def show_audit_log(self) -> AuditLogDialog | None:
        dialog = attempt(self.window, lambda: AuditLogDialog(
            self._audit, self.actor, self.desk.formatter, self.desk.background, self.window))
        if dialog is None:
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_changes(self, customer_id: int, customer_name: str,
                     over: QWidget | None = None) -> ChangesDialog | None:
        """``over``: the window to show it above (a form being edited), else the main one."""
        parent = over or self.window
        changes = attempt(parent, lambda: self._audit.customer_changes(customer_id, self.actor))
        if changes is None:
            return None
        dialog = ChangesDialog(customer_name, changes, self.desk.formatter, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
