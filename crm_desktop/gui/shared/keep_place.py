"""A list read again keeps the person's place: the rows they had selected and the row at the
top of the view, found again by their ids, not by their old row numbers.

Lists are read again after every save, here or at the other desk (a new customer at the front
desk inserts a row above the one the owner was looking at). A model reset would otherwise
drop the selection and leave the view on whichever rows now have the old numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject
from PySide6.QtWidgets import QAbstractItemView, QTableView

NEARBY = 50  # rows around its old place where a row is looked for again
MOST_SELECTED = 200  # selected rows kept (beyond that, a fresh read starts afresh)


class KeepPlace(QObject):
    def __init__(self, view: QTableView, id_role: int, which: Callable[[], object]) -> None:
        """``which``: what list the model shows (its filter and order). A reset that comes
        with another one is a new list, not the same one read again: nothing is kept."""
        super().__init__(view)
        self._view = view
        self._id_role = id_role
        self._which = which
        self._shown = which()  # the list on screen
        self._same = False
        self._selected: list[tuple[int, int]] = []  # (row, id)
        self._current: tuple[int, int] | None = None
        self._top: tuple[int, int] | None = None
        model = view.model()
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)

    def _id_at(self, row: int) -> int | None:
        value = self._view.model().index(row, 0).data(self._id_role)
        return int(value) if value is not None else None

    def _remember(self) -> None:
        # (A model may take its new filter or order before its reset begins, or within it.)
        self._same = self._which() == self._shown
        if not self._same:
            return
        selection = self._view.selectionModel()
        rows = sorted({index.row() for index in selection.selectedRows()})[:MOST_SELECTED]
        self._selected = [(row, found) for row in rows if (found := self._id_at(row)) is not None]
        current = self._view.currentIndex()
        current_id = self._id_at(current.row()) if current.isValid() else None
        self._current = (current.row(), current_id) if current_id is not None else None
        top = self._view.rowAt(0)
        top_id = self._id_at(top) if top >= 0 else None
        self._top = (top, top_id) if top_id is not None else None

    def _find(self, row: int, wanted: int) -> int | None:
        count = self._view.model().rowCount()
        for distance in range(NEARBY + 1):
            for candidate in (row - distance, row + distance) if distance else (row,):
                if 0 <= candidate < count and self._id_at(candidate) == wanted:
                    return candidate
        return None

    def _restore(self) -> None:
        now = self._which()
        same, self._shown = self._same and now == self._shown, now
        if not same:
            return
        model = self._view.model()
        if self._top is not None:
            top = self._find(*self._top)
            if top is not None:
                self._view.scrollTo(model.index(top, 0),
                                    QAbstractItemView.ScrollHint.PositionAtTop)
        selection = QItemSelection()
        for row, wanted in self._selected:
            found = self._find(row, wanted)
            if found is not None:
                selection.select(model.index(found, 0),
                                 model.index(found, model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag
        chooser = self._view.selectionModel()
        if self._current is not None:
            current = self._find(*self._current)
            if current is not None:
                chooser.setCurrentIndex(model.index(current, 0), flags.NoUpdate)
        if not selection.isEmpty():
            chooser.select(selection, flags.ClearAndSelect | flags.Rows)
        self._selected, self._current, self._top = [], None, None
