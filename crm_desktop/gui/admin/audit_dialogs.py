"""Reading the audit trail: *File → Audit log…* (the owner's: every change and sign-in in the
shop, filtered by person, kind and period, lazy at a million entries, saved as CSV), and a
profile's *History of changes* (field, old value, new value, who and when)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.shared.paged_model import PagedTableModel
from crm_desktop.services.admin.audit_service import (
    AuditFilter,
    AuditKind,
    AuditRow,
    AuditService,
    FieldChange,
)


class AuditLogModel(PagedTableModel[AuditRow]):
    headers = ("When", "Who", "What", "Details")

    def __init__(self, audit: AuditService, actor: Actor, formatter: Formatter) -> None:
        super().__init__(page_size=200)
        self._audit = audit
        self._actor = actor
        self._formatter = formatter
        self.filters = AuditFilter()
        self.refresh()

    def set_filter(self, filters: AuditFilter) -> None:
        if filters != self.filters:
            self.filters = filters
            self.refresh()

    def count_rows(self) -> int:
        return self._audit.count(self.filters, self._actor)

    def fetch_page(self, offset: int, limit: int, after: AuditRow | None) -> list[AuditRow]:
        return self._audit.page(self.filters, self._actor, offset=offset, limit=limit,
                                after=after, total=self.rowCount())

    def cell(self, row: AuditRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (self._formatter.date_time(row.at), row.who, row.what, row.details)[column]
        return None


class AuditLogDialog(QDialog):
    def __init__(self, audit: AuditService, actor: Actor, formatter: Formatter,
                 background: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        self.resize(1100, 640)
        self._audit = audit
        self._actor = actor
        self._background = background
        self.person = QComboBox()
        self.person.addItem("Everyone", None)
        for user_id, name in audit.people(actor):
            self.person.addItem(name, user_id)
        self.kind = QComboBox()
        self.kind.addItem("Every kind", None)
        for kind in AuditKind:
            self.kind.addItem(kind.value, kind.value)
        today = QDate.currentDate()
        self.use_period = QCheckBox("&From")
        self.since = QDateEdit(today.addDays(-30))
        self.until = QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setEnabled(False)
            edit.dateChanged.connect(self.apply)
        self.use_period.toggled.connect(self._period_toggled)
        self.person.currentIndexChanged.connect(self.apply)
        self.kind.currentIndexChanged.connect(self.apply)
        self.model = AuditLogModel(audit, actor, formatter)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(1, 150)
        self.table.setColumnWidth(2, 220)
        self.table.setWordWrap(False)
        self.count_label = QLabel()
        self.export_button = QPushButton("&Save as CSV…")
        self.export_button.clicked.connect(self.export_csv)
        filters = QHBoxLayout()
        for label, widget in (("&Person", self.person), ("&Kind", self.kind)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addSpacing(12)
        filters.addWidget(self.use_period)
        filters.addWidget(self.since)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.until)
        filters.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self._show_count()

    def _period_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.apply()

    def chosen(self) -> AuditFilter:
        kind = self.kind.currentData()
        period = self.use_period.isChecked()
        return AuditFilter(
            user_id=self.person.currentData(),
            kind=AuditKind(kind) if kind else None,
            since=self.since.date().toPython() if period else None,  # type: ignore[arg-type]
            until=self.until.date().toPython() if period else None)  # type: ignore[arg-type]

    def apply(self) -> None:
        try:
            self.model.set_filter(self.chosen())
        except CrmError as exc:
            show_error(self, exc)
        self._show_count()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        self.count_label.setText(f"{count:,} entr{'y' if count == 1 else 'ies'}"
                                 " — the app never changes or deletes one")
        self.export_button.setEnabled(count > 0)

    def export_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the audit log",
                                                    "audit log.csv", "CSV files (*.csv)")
        if not path:
            return
        target, filters, audit, actor = Path(path), self.chosen(), self._audit, self._actor

        def work(report: Callable[[int, int], None]) -> int:
            partial = target.with_name(target.name + ".part")
            with partial.open("w", encoding="utf-8", newline="") as out:
                written = audit.write_csv(out, filters, actor, progress=report)
            partial.replace(target)
            return written

        def done(written: int) -> None:
            self.count_label.setText(f"Saved {written:,} entries to {target.name}")

        self._background.write_file(self, "Saving the audit log…", target, work=work,
                                    done=done)


class ChangesDialog(QDialog):
    """A customer's history of changes, newest first."""

    HEADERS = ("When", "Who", "What", "Field", "Was", "Became")

    def __init__(self, customer_name: str, changes: list[FieldChange], formatter: Formatter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of changes — {customer_name}")
        self.resize(900, 480)
        self.table = QTableWidget(len(changes), len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for i, change in enumerate(changes):
            for column, text in enumerate((formatter.date_time(change.at), change.who,
                                           change.what, change.field, change.old, change.new)):
                item = QTableWidgetItem(text)
                if len(text) > 40:
                    item.setToolTip(text)
                self.table.setItem(i, column, item)
        self.table.resizeColumnsToContents()
        for column in (4, 5):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if not changes:
            layout.addWidget(QLabel("No changes are recorded for this customer yet."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
