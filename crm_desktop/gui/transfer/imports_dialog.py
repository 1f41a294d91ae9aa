"""*File → Imports made…*: each import with its date, file, person and counts, and *Undo*."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.widgets import wrapping_label
from crm_desktop.services.transfer.import_service import BatchRow, UndoResult

HEADERS = ("When", "File", "By", "Created", "Updated", "")


class ImportsDialog(QDialog):
    undo_requested = Signal(int)  # the batch

    def __init__(self, batches: Callable[[], list[BatchRow]], formatter: Formatter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Imports made")
        self.resize(760, 380)
        self._batches = batches
        self._formatter = formatter
        self.rows: list[BatchRow] = []
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.undo_button = QPushButton("&Undo this import")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(wrapping_label(
            "An import can be undone as a whole as long as nobody has changed the customers "
            "it created or added to."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.rows = self._batches()
        self.table.setRowCount(len(self.rows))
        for i, batch in enumerate(self.rows):
            state = f"undone {self._formatter.date_time(batch.undone_at)}" \
                if batch.undone_at else ""
            for column, text in enumerate((self._formatter.date_time(batch.at), batch.file_name,
                                           batch.by, f"{batch.created:,}",
                                           f"{batch.updated:,}", state)):
                self.table.setItem(i, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def _selected(self) -> BatchRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        batch = self._selected()
        self.undo_button.setEnabled(batch is not None and batch.undone_at is None)

    def _undo(self) -> None:
        batch = self._selected()
        if batch is not None:
            self.undo_requested.emit(batch.id)

    def undone(self, _result: UndoResult) -> None:
        self.refresh()
