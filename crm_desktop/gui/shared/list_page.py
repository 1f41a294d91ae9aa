"""The skeleton every list page shares: a filter bar, a lazy table, a count, open on Enter.

A page adds its own filters to ``top`` and says how to build its filter from them
(``current_filter``); the skeleton applies it (at once for a choice, after a pause for typed
text), keeps the count under the table in step with the model, and emits ``open_row`` with
the id stored in each row under ``id_role`` when a row is double-clicked or activated.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from crm_desktop.gui.shared.keep_place import KeepPlace
from crm_desktop.gui.shared.paged_model import FilteredTableModel
from crm_desktop.gui.shared.widgets import read_only_table, run_after_typing

Row = TypeVar("Row")
Filter = TypeVar("Filter")


class ListPage(QWidget, Generic[Row, Filter]):
    open_row = Signal(int)

    # What one row is called in the count: ("order", "orders").
    noun: tuple[str, str] = ("row", "rows")

    def __init__(self, model: FilteredTableModel[Row, Filter], *, id_role: int,
                 column_widths: tuple[int, ...] = (), search_hint: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._id_role = id_role
        self.top = QHBoxLayout()
        self.search: QLineEdit | None = None
        self._timer: QTimer | None = None
        if search_hint is not None:
            self.search = QLineEdit()
            self.search.setPlaceholderText(search_hint)
            self.search.setClearButtonEnabled(True)
            self.top.addWidget(self.search, 1)
            self._timer = run_after_typing(self.search, self.apply_filters)
        self.table = QTableView()
        self.table.setModel(model)
        read_only_table(self.table)
        for column, width in enumerate(column_widths):
            self.table.setColumnWidth(column, width)
        self.count_label = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(self.top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)
        model.modelReset.connect(self.update_count)
        self.keep_place = KeepPlace(self.table, id_role, lambda: model.filters)

    def search_text(self) -> str:
        return self.search.text() if self.search is not None else ""

    def current_filter(self) -> Filter:
        raise NotImplementedError

    def apply_filters(self, *_args: Any) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.model.set_filter(self.current_filter())

    def count_text(self, count: int) -> str:
        one, many = self.noun
        return f"{count:,} {one if count == 1 else many}"

    def update_count(self) -> None:
        self.count_label.setText(self.count_text(self.model.rowCount()))

    def _open(self, index: QModelIndex) -> None:
        row_id = self.model.index(index.row(), 0).data(self._id_role)
        if row_id is not None:
            self.open_row.emit(int(row_id))


def right_aligned() -> int:
    return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
