"""Queries: mine, everyone's or unassigned; overdue ones first and in red, each with its age."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QPushButton,
    QWidget,
)

from crm_desktop.clock import Clock
from crm_desktop.formatting import PRIORITY_LABELS, QUERY_STATUS_LABELS, Formatter
from crm_desktop.gui.shared.list_page import ListPage
from crm_desktop.gui.shared.paged_model import FilteredTableModel, roles
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.services.queries.query_service import (
    QueryFilter,
    QueryRow,
    QueryScope,
    QueryService,
)

QUERY_ID_ROLE = Qt.ItemDataRole.UserRole + 3
OVERDUE_RED = QColor(ALERT)
SCOPES = ((QueryScope.MINE, "&Mine"), (QueryScope.EVERYONE, "&Everyone's"),
          (QueryScope.UNASSIGNED, "&Unassigned"))


class QueryListModel(FilteredTableModel[QueryRow, QueryFilter]):
    answered_roles = roles(Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole)
    headers = ("Age", "Answer by", "Priority", "Status", "Subject", "Customer", "Owner")

    def __init__(self, service: QueryService, formatter: Formatter, clock: Clock,
                 user_id: int | None) -> None:
        super().__init__(service, QueryFilter(user_id=user_id), formatter, page_size=100)
        self._service = service
        self._clock = clock

    def overdue_count(self) -> int:
        return self._service.count(replace(self.filters, overdue_at=self._clock()))

    def fetch_page(self, offset: int, limit: int, after: QueryRow | None) -> list[QueryRow]:
        # Open queries are few; OFFSET is fine and keeps the "soonest due first" order simple.
        return self._service.page(self.filters, offset=offset, limit=limit)

    def cell(self, row: QueryRow, column: int, role: int) -> Any:
        f = self._formatter
        now = self._clock()
        overdue = row.overdue(now)
        if role == Qt.ItemDataRole.DisplayRole:
            due = f.date_time(row.due_at) if row.due_at else ""
            if overdue:
                due = f"Overdue · {due}"
            owner = row.owner_name + ("" if row.owner_active else " (switched off)")
            return (f.age(row.created_at, now), due, PRIORITY_LABELS[row.priority],
                    QUERY_STATUS_LABELS[row.status], row.subject, row.customer_name,
                    owner)[column]
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QBrush(OVERDUE_RED)
        if role == Qt.ItemDataRole.FontRole and overdue and column == 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and overdue:
            return "Overdue: the answer was due " + f.date_time(row.due_at)
        if role == QUERY_ID_ROLE:
            return row.id
        return None


class QueriesPage(ListPage[QueryRow, QueryFilter]):
    noun = ("query", "queries")
    log_query = Signal()

    def __init__(self, model: QueryListModel, parent: QWidget | None = None) -> None:
        super().__init__(model, id_role=QUERY_ID_ROLE,
                         column_widths=(80, 190, 80, 150, 300, 180), parent=parent)
        self._overdue_count = model.overdue_count
        self.scope_buttons: dict[QueryScope, QPushButton] = {}
        group = QButtonGroup(self)
        for scope, label in SCOPES:
            button = QPushButton(label)
            button.setCheckable(True)
            group.addButton(button)
            self.scope_buttons[scope] = button
            self.top.addWidget(button)
            button.toggled.connect(self._scope_toggled)
        self.include_done = QCheckBox("Show &resolved and closed")
        self.scope_buttons[QueryScope.MINE].setChecked(True)
        self.include_done.toggled.connect(self.apply_filters)
        self.new_button = QPushButton("&Log a query…")
        self.new_button.setToolTip("Ctrl+Shift+Q, from anywhere in the app")
        self.new_button.clicked.connect(self.log_query)
        self.top.addWidget(self.include_done)
        self.top.addStretch(1)
        self.top.addWidget(self.new_button)
        self.update_count()

    def _scope_toggled(self, on: bool) -> None:
        if on:
            self.apply_filters()

    def scope(self) -> QueryScope:
        return next(s for s, b in self.scope_buttons.items() if b.isChecked())

    def current_filter(self) -> QueryFilter:
        return QueryFilter(scope=self.scope(), user_id=self.model.filters.user_id,
                           include_done=self.include_done.isChecked())

    def set_unassigned_count(self, count: int) -> None:
        self.scope_buttons[QueryScope.UNASSIGNED].setText(
            f"&Unassigned ({count})" if count else "&Unassigned")

    def count_text(self, count: int) -> str:
        text = super().count_text(count)
        overdue = self._overdue_count()
        if overdue:
            text += f", <span style='color:{ALERT}'><b>{overdue} overdue</b></span>"
        return text
