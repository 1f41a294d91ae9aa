"""First start on an empty database: the shop's name, the owner and their password, the
country, and (may be skipped) what its invoices print about it: the address, bank details
and tax id. Or, for a shop moving to a new computer: restore it from a backup."""

from __future__ import annotations

import os
from collections.abc import Callable

import phonenumbers
from babel import Locale
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QWidget

from crm_desktop.errors import ValidationError
from crm_desktop.gui.backups.controller import restore_a_new_shop
from crm_desktop.gui.generated.ui_first_run_dialog import Ui_FirstRunDialog
from crm_desktop.gui.shared.background import Background
from crm_desktop.services.admin.backup_service import BackupService, PreparedRestore
from crm_desktop.services.admin.user_service import UserService, UserView
from crm_desktop.storage.shared_shop import ShopLink


def guess_country() -> str:
    """The country from the environment's locale (LANG=en_GB.UTF-8 -> GB), else US."""
    for variable in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(variable, "")
        territory = value.split(".")[0].partition("_")[2].upper()
        if territory in phonenumbers.SUPPORTED_REGIONS:
            return territory
    return "US"


class FirstRunDialog(QDialog):
    def __init__(self, users: UserService, backups: BackupService | None = None,
                 parent: QWidget | None = None, *,
                 join: Callable[[QWidget], ShopLink | None] | None = None) -> None:
        """``join``: connects this desk to a shared shop instead, asking for its code (no
        button to join without it); the shop joined, or None."""
        super().__init__(parent)
        self.ui = Ui_FirstRunDialog()
        self.ui.setupUi(self)
        self._users = users
        self._backups = backups
        self.owner: UserView | None = None
        self.restored: PreparedRestore | None = None
        self._background = Background(self)
        if backups is not None:
            self.restore_button = self.ui.buttons.addButton(
                "Restore from a backup…", QDialogButtonBox.ButtonRole.ResetRole)
            self.restore_button.setToolTip("A shop moving to this computer: bring it back "
                                           "from its backup file")
            self.restore_button.clicked.connect(self.choose_backup)
        # A second desk's first start: the shop is on another computer already.
        self.joined: ShopLink | None = None
        self._join = join
        if join is not None:
            self.join_button = self.ui.buttons.addButton(
                "Join a shared shop…", QDialogButtonBox.ButtonRole.ResetRole)
            self.join_button.setToolTip("The shop is on another computer of the shop (File → "
                                        "Share this shop… there): connect to it with its code")
            self.join_button.clicked.connect(self.join_shared_shop)
        names = Locale("en").territories
        countries = sorted(
            (names[code], code) for code in phonenumbers.SUPPORTED_REGIONS if code in names
        )
        for name, code in countries:
            self.ui.country.addItem(name, code)
        self.ui.country.setCurrentIndex(max(0, self.ui.country.findData(guess_country())))
        self.ui.buttons.accepted.connect(self.save)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.shop_name.setFocus()

    def save(self) -> None:
        ui = self.ui
        try:
            if ui.password.text() != ui.repeat_password.text():
                raise ValidationError.single("repeat_password",
                                             "The two passwords differ. Type them again.")
            self.owner = self._users.first_run(
                ui.owner_name.text(), ui.shop_name.text(), str(ui.country.currentData()),
                password=ui.password.text(), address=ui.address.toPlainText(),
                bank_details=ui.bank_details.toPlainText(), tax_id=ui.tax_id.text())
        except ValidationError as exc:
            widgets = {"owner_name": ui.owner_name, "shop_name": ui.shop_name,
                       "password": ui.password, "repeat_password": ui.repeat_password,
                       "country": ui.country, "address": ui.address,
                       "bank_details": ui.bank_details, "tax_id": ui.tax_id}
            ui.error_label.setText(" ".join(exc.errors.values()))
            widget = widgets.get(exc.field)
            if widget is not None:
                widget.setFocus()
            return
        self.accept()

    def join_shared_shop(self) -> None:
        assert self._join is not None
        self.joined = self._join(self)
        if self.joined is not None:
            self.accept()

    def choose_backup(self) -> None:
        assert self._backups is not None
        restore_a_new_shop(self, self._backups, self._background, self._restored)

    def _restored(self, ready: PreparedRestore) -> None:
        self.restored = ready
        QMessageBox.information(self, "Restored",
                                f"The shop {ready.restoring.shop_name or ''} is back. "
                                "Sign in as you did on the other computer.")
        self.accept()
