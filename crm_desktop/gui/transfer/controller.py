"""Customers in and out: *Import customers…*, *Imports made…* and the list's *Export…*."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.gui.transfer.export_dialog import ExportDialog
from crm_desktop.gui.transfer.import_dialog import ImportDialog
from crm_desktop.gui.transfer.imports_dialog import ImportsDialog
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.import_service import ImportResult, ImportService, UndoResult
from crm_desktop.services.transfer.shop_archive import ShopArchiveService


class TransferController(Controller):
    def __init__(self, desk: Desk, imports: ImportService, *, exports: ExportService,
                 archive: ShopArchiveService, customer_list: CustomerListService,
                 ui_state: QSettings) -> None:
        super().__init__(desk)
        self._archive = archive
        self._imports = imports
        self._exports = exports
        self._customer_list = customer_list
        self._ui_state = ui_state
        self.import_dialog: ImportDialog | None = None

    def import_customers(self) -> ImportDialog:
        dialog = ImportDialog(self._imports, self.desk.background, self.actor, self._ui_state,
                              self.window)
        dialog.imported.connect(self._imported)
        dialog.undone.connect(self._undone)
        self.import_dialog = dialog
        return _opened(dialog)

    def show_imports(self) -> ImportsDialog:
        dialog = ImportsDialog(self._imports.batches, self.desk.formatter, self.window)

        def undo(batch_id: int) -> None:
            result = attempt(dialog, lambda: self._imports.undo(batch_id, self.actor))
            if result is not None:
                self._undone(result)
                dialog.undone(result)

        dialog.undo_requested.connect(undo)
        return _opened(dialog)

    def export_customers(self, filters: CustomerFilter, selected_ids: list[int]) -> ExportDialog:
        filtered = None
        if filters != CustomerFilter():
            filtered = attempt(self.window, lambda: self._customer_list.matching_ids(filters))
        dialog = ExportDialog(self._exports, self.desk.background, self.actor,
                              filtered_ids=filtered, selected_ids=selected_ids,
                              parent=self.window)
        dialog.exported.connect(self.desk.ops.say)
        return _opened(dialog)

    def export_everything(self) -> None:
        """The whole shop as one archive, written on the worker."""
        stamp = self.desk.clock().strftime("%Y-%m-%d")
        path, _filter = QFileDialog.getSaveFileName(
            self.window, "Export the whole shop", f"{self.desk.shell.shop_name()} {stamp}.zip",
            "ZIP archives (*.zip)")
        if not path:
            return
        archive, actor, target = self._archive, self.actor, Path(path)

        def done(counts: dict[str, int]) -> None:
            self.desk.ops.say(f"Exported the whole shop to {target.name}: "
                              f"{sum(counts.values()):,} records in {len(counts)} tables")

        self.desk.background.write_file(
            self.window, "Exporting the whole shop…", target,
            work=lambda report: archive.export(target, actor, progress=report), done=done)

    def _imported(self, result: ImportResult) -> None:
        self.desk.ops.announce(Changes.of(Change.CUSTOMERS, result.customer_ids),
                               f"Imported: {result.summary()}")

    def _undone(self, result: UndoResult) -> None:
        self.desk.ops.announce(Changes.of(Change.CUSTOMERS, result.customer_ids),
                               f"Import undone: {result.summary()}")


DialogT = TypeVar("DialogT", bound=QDialog)


def _opened(dialog: DialogT) -> DialogT:
    """Open window-modal, and delete on close: on the UI thread, never later by a garbage
    collection that happens to run on a worker."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
