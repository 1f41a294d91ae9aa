"""The import preview as a table: each record of the file, what was found for it, what will be
done with it and what is wrong with it. The records are in memory already (the preview holds
them), so the model only shows them, optionally only the duplicates or the rows with
problems."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.models import ContactKind
from crm_desktop.services.transfer.import_service import (
    Decision,
    ImportPreview,
    MatchKind,
    PreviewRow,
)

_Index = QModelIndex | QPersistentModelIndex
POSSIBLE = "#8a5a00"  # a possible duplicate: look before importing


class Column(IntEnum):
    LINE = 0
    NAME = 1
    CONTACT = 2
    FOUND = 3
    DECISION = 4
    PROBLEMS = 5


HEADERS = ("Line", "Name", "Phone / e-mail", "Found", "Will be", "Problems")


class Show(IntEnum):
    ALL = 0
    DUPLICATES = 1
    PROBLEMS = 2


SHOW_LABELS = ("Every contact", "Duplicates only", "With problems only")


class PreviewModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.preview: ImportPreview | None = None
        self._shown: list[int] = []  # the preview's row numbers on screen
        self._show = Show.ALL

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        self.preview = preview
        self._refilter()
        self.endResetModel()

    def show_only(self, show: Show) -> None:
        self.beginResetModel()
        self._show = show
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        rows = self.preview.rows if self.preview is not None else []
        if self._show is Show.DUPLICATES:
            wanted = {MatchKind.SAME, MatchKind.POSSIBLE}
            self._shown = [i for i, r in enumerate(rows) if r.match.kind in wanted]
        elif self._show is Show.PROBLEMS:
            self._shown = [i for i, r in enumerate(rows) if r.problems]
        else:
            self._shown = list(range(len(rows)))

    def record(self, row: int) -> PreviewRow:
        assert self.preview is not None
        return self.preview.rows[self._shown[row]]

    def decide(self, rows: list[int], decision: Decision) -> int:
        """Set the decision of these table rows where it applies; returns how many changed.
        A record that cannot be imported stays skipped; a new one can only be created or
        skipped."""
        changed = 0
        for row in rows:
            record = self.record(row)
            if record.match.kind is MatchKind.REJECTED:
                continue
            if record.match.kind is MatchKind.NEW and decision not in {Decision.CREATE,
                                                                        Decision.SKIP}:
                continue
            record.decision = decision
            changed += 1
        if rows:
            self.dataChanged.emit(self.index(min(rows), Column.DECISION),
                                  self.index(max(rows), Column.DECISION))
        return changed

    def decisions_changed(self) -> None:
        if self._shown:
            self.dataChanged.emit(self.index(0, Column.DECISION),
                                  self.index(len(self._shown) - 1, Column.DECISION))

    # ---- Qt ---------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self.preview is None:
            return None
        record = self.record(index.row())
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in {Column.FOUND, Column.PROBLEMS}:
            return "\n".join(record.problems) if column is Column.PROBLEMS \
                else record.match.describe(self.preview.rows)
        if role == Qt.ItemDataRole.ForegroundRole and column in {Column.FOUND,
                                                                 Column.PROBLEMS}:
            if record.match.kind is MatchKind.REJECTED or (
                    column is Column.PROBLEMS and record.problems):
                return QColor(ALERT)
            if record.match.kind is MatchKind.POSSIBLE:
                return QColor(POSSIBLE)
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.LINE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, record: PreviewRow, column: Column) -> str:
        assert self.preview is not None
        if column is Column.LINE:
            return str(record.contact.line)
        if column is Column.NAME:
            return record.contact.name
        if column is Column.CONTACT:
            data = record.contact.data
            email = next((c.value for c in data.contacts if c.kind is ContactKind.EMAIL), "")
            phone = next((c.value for c in data.contacts if c.kind is ContactKind.PHONE), "")
            return email or phone
        if column is Column.FOUND:
            return record.match.describe(self.preview.rows)
        if column is Column.DECISION:
            return "—" if record.match.kind is MatchKind.REJECTED else record.decision.label
        return " ".join(record.problems)
