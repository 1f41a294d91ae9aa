"""The shop's own set-up: shop settings and the people who use the app."""

from __future__ import annotations

from PySide6.QtCore import Signal

from crm_desktop.gui.admin.settings_dialog import SettingsDialog
from crm_desktop.gui.admin.users_dialog import UsersDialog
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService


class AdminController(Controller):
    settings_saved = Signal(object)  # BusinessSettings: the shell retitles and reformats

    def __init__(self, desk: Desk, settings: SettingsService, users: UserService) -> None:
        super().__init__(desk)
        self._settings = settings
        self._users = users

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
