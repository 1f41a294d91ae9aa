"""The sharing capability's actions: share this shop, connect to a shared one, or go back to
the shop in this computer's own file. Each ends by asking the app to open the shop again,
where it now is (``reopen_requested``): the window closes as for a change of person, and the
person signs in again there."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.sharing.connect_dialog import ConnectDialog
from crm_desktop.gui.sharing.share_dialog import ShareDialog
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.storage.shared_shop import SharedShopError, ShopLink

log = logging.getLogger(__name__)


def join_shared_shop(paths: AppPaths, parent: QWidget) -> ShopLink | None:
    """A new desk's first start: connect to the shop another computer shares, with its
    code; the shop joined, or None."""
    dialog = ConnectDialog(lambda code, password: SharingService.connect(paths, code, password),
                           Background(parent), parent)
    return dialog.link if dialog.exec() == QDialog.DialogCode.Accepted else None


class SharingController(Controller):
    reopen_requested = Signal()

    def __init__(self, desk: Desk, sharing: SharingService, paths: AppPaths,
                 customer_list: CustomerListService) -> None:
        super().__init__(desk)
        self._sharing = sharing
        self._paths = paths
        self._customer_list = customer_list
        self.dialog: QDialog | None = None  # the one open, for tests and for the shell

    @property
    def link(self) -> ShopLink | None:
        """The shared shop this desk works on (None: the shop in this computer's file)."""
        try:
            return self._sharing.shared_link
        except SharedShopError:  # a damaged note: said when it is used; here, not shared
            log.warning("cannot read the shared shop's link", exc_info=True)
            return None

    def share_shop(self) -> None:
        try:
            self._sharing.check_may_share(self.actor)
            customers = self._customer_list.count(CustomerFilter())
        except Exception as exc:
            show_error(self.window, exc)
            return
        sharing, actor = self._sharing, self.actor
        dialog = ShareDialog(
            set_up=lambda say: sharing.set_up_server(actor, step=say),
            from_terminal=SharingService.from_terminal,
            share=lambda shared, report: sharing.share(actor, shared, progress=report),
            background=self.desk.background,
            customers=f"{customers:,} customer" + ("" if customers == 1 else "s"),
            parent=self.window)
        if self._run(dialog) and dialog.shared is not None:
            self.reopen_requested.emit()

    def connect_to_shop(self) -> None:
        paths = self._paths
        dialog = ConnectDialog(lambda code, password: SharingService.connect(
            paths, code, password), self.desk.background, self.window)
        if self._run(dialog):
            self.reopen_requested.emit()

    def use_own_shop(self) -> None:
        """Back to the shop in this computer's file, as it was when it was shared."""
        link = self.link
        if link is None:
            return
        answer = QMessageBox.question(
            self.window, "Use this computer's own shop again?",
            f"This desk works on the shared shop at {link.host}. Go back to the shop kept in "
            "this computer's own file? It holds the shop as it was when it was shared (or "
            "before this desk connected): nothing saved at the shared shop since is in it. "
            "The shared shop stays as it is, and this desk can connect to it again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            SharingService.leave(self._paths)
            self.reopen_requested.emit()

    def _run(self, dialog: QDialog) -> bool:
        self.dialog = dialog
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            self.dialog = None
