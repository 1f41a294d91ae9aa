"""The customer list page: search box, filters and the lazy table."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import STATUS_LABELS
from crm_desktop.gui.customers.customer_list_model import (
    COLUMNS,
    CUSTOMER_ID_ROLE,
    CustomerListModel,
    ListQuery,
    ListResult,
)
from crm_desktop.gui.shared.background import Background, Latest
from crm_desktop.gui.shared.keep_place import KeepPlace
from crm_desktop.gui.shared.ui_state import restore_header, save_header
from crm_desktop.gui.shared.widgets import read_only_table
from crm_desktop.models import CustomerStatus
from crm_desktop.services.admin.user_service import UserView
from crm_desktop.services.customers.customer_list_service import CustomerFilter
from crm_desktop.services.customers.customer_search import SEARCH_LIMIT


class CustomerTable(QTableView):
    """Enter opens the current customer, like a double click."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class SearchBox(QLineEdit):
    """Up and Down move through the results while the cursor stays here to keep typing."""

    step = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10,
                 Qt.Key.Key_PageUp: -10}
        rows = steps.get(Qt.Key(event.key()))
        if rows is not None:
            self.step.emit(rows)
            return
        super().keyPressEvent(event)


BULK_ACTIONS = (
    ("add_tag", "Add a tag…"),
    ("remove_tag", "Remove a tag…"),
    ("owner", "Change owner…"),
    ("status", "Change status…"),
    ("merge", "Merge two customers…"),
)


class CustomersPage(QWidget):
    open_customer = Signal(int)
    new_customer = Signal()
    bulk_requested = Signal(str)  # one of BULK_ACTIONS' keys, for the selected customers
    export_requested = Signal()  # the customers shown or selected, to a file
    post_requested = Signal()  # labels or envelopes for the customers shown or selected

    def __init__(self, model: CustomerListModel, ui_state: QSettings, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._ui_state = ui_state
        # Each keystroke searches at once, on a worker; a result overtaken by newer typing
        # is dropped (bench/front_desk.py: a search takes a few ms).
        self._search: Latest[ListQuery, ListResult] = Latest(background, model.fetch,
                                                             self._show_result)

        self.search = SearchBox()
        self.search.setPlaceholderText("Search name, company, phone or e-mail   (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, status.value)
        self.tag_filter = QComboBox()
        self.tag_filter.setToolTip("Show only customers with this tag")
        self.owner_filter = QComboBox()
        self.owner_filter.setToolTip("Show only the customers someone looks after")
        self.set_choices([], [])
        self.selected_button = self._make_bulk_menu()
        self.new_button = QPushButton("&New customer")
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save these customers as Google CSV or vCards")
        self.export_button.clicked.connect(self.export_requested)
        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        top.addWidget(self.tag_filter)
        top.addWidget(self.owner_filter)
        top.addWidget(self.selected_button)
        top.addWidget(self.export_button)
        top.addWidget(self.new_button)

        self.table = CustomerTable()
        self.table.setModel(model)
        read_only_table(self.table, many=True, stretch_last=False)
        self.keep_place = KeepPlace(self.table, CUSTOMER_ID_ROLE,
                                    lambda: model.query_for(model.filters))
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        for column, width in zip(range(len(COLUMNS)), (190, 150, 90, 130, 200, 140, 120, 110,
                                                       110, 110), strict=True):
            self.table.setColumnWidth(column, width)
        self.table.setSortingEnabled(True)
        restored = restore_header(self._ui_state, "customer_list", header)
        if not restored or not model.is_sortable(header.sortIndicatorSection()):
            # Qt's default indicator is descending; a first start lists A to Z.
            header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self._sorted_by = (header.sortIndicatorSection(), header.sortIndicatorOrder())
        model.sort(*self._sorted_by)
        header.sortIndicatorChanged.connect(self._sort_changed)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._open_current)
        self.search.step.connect(self._move_selection)
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        self.tag_filter.currentIndexChanged.connect(self.apply_filters)
        self.owner_filter.currentIndexChanged.connect(self.apply_filters)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        model.modelReset.connect(self._selection_changed)
        self.new_button.clicked.connect(self.new_customer)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated_row.connect(self._open_row)
        model.modelReset.connect(self._update_count)
        self._update_count()

    @property
    def search_pending(self) -> bool:
        """Typed text whose results are not on screen yet."""
        return self._search.pending

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_choices(self, tags: list[str], users: list[UserView]) -> None:
        """Refresh the filters' lists (after new tags or users), keeping what is chosen."""
        for combo, first, items in (
            (self.tag_filter, "All tags", [(t, t) for t in tags]),
            (self.owner_filter, "Everyone's", [(u.display_name, u.id) for u in users]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for label, data in items:
                combo.addItem(label, data)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)

    def _make_bulk_menu(self) -> QToolButton:
        """*Selected ▾*: what can be done to every selected customer at once."""
        button = QToolButton()
        button.setText("Selected")
        button.setToolTip("Change all selected customers at once")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bulk_menu = QMenu(self)
        self._bulk_actions = {}
        for key, label in BULK_ACTIONS:
            action = self.bulk_menu.addAction(label)
            action.triggered.connect(lambda _=False, k=key: self.bulk_requested.emit(k))
            self._bulk_actions[key] = action
        self.bulk_menu.addSeparator()
        # Also in the Customer menu (for one customer, the list or everyone).
        self.post_action = self.bulk_menu.addAction("Letters, labels and envelopes…")
        self.post_action.triggered.connect(self.post_requested)
        button.setMenu(self.bulk_menu)
        button.setEnabled(False)
        return button

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [i for i in (self.model.customer_id(r) for r in rows) if i is not None]

    def chosen_filters(self) -> CustomerFilter:
        status = self.status_filter.currentData()
        owner = self.owner_filter.currentData()
        return CustomerFilter(
            text=self.search.text(),
            status=CustomerStatus(status) if status else None,
            tag=self.tag_filter.currentData(),
            owner_id=int(owner) if owner is not None else None,
        )

    def apply_filters(self) -> None:
        """Show what the search box and filters ask for now, without waiting."""
        self._search.cancel()
        self.model.set_filter(self.chosen_filters())
        self._select_first()

    def _typed(self) -> None:
        self._search.request(self.model.query_for(self.chosen_filters()))

    def _show_result(self, result: ListResult) -> None:
        if result.query != self.model.query_for(result.query.filters):
            self.apply_filters()  # re-sorted while it searched: search again in that order
            return
        self.model.show(result)
        self._select_first()

    def _select_first(self) -> None:
        if self.model.rowCount():
            self.table.selectRow(0)

    def save_state(self) -> None:
        save_header(self._ui_state, "customer_list", self.table.horizontalHeader())

    def _update_count(self) -> None:
        count = self.model.rowCount()
        if not self.model.counted:  # a long list, its exact count on its way
            self.count_label.setText(f"More than {count:,} customers (counting…)")
        elif not self.model.filters.text.strip():
            noun = "customer" if count == 1 else "customers"
            self.count_label.setText(f"{count:,} {noun}")
        elif count >= SEARCH_LIMIT:
            self.count_label.setText(f"The best {count:,} matches are shown — type more to "
                                     "narrow the search")
        else:
            self.count_label.setText(f"{count:,} {'match' if count == 1 else 'matches'}")

    def _move_selection(self, step: int) -> None:
        count = self.model.rowCount()
        if not count:
            return
        row = min(max(self.table.currentIndex().row() + step, 0), count - 1)
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.is_sortable(column):
            self._sorted_by = (column, order)
            return
        # Phone, e-mail and similar columns have no index to sort on: keep the current order.
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(*self._sorted_by)
        header.blockSignals(False)

    def _open_current(self) -> None:
        if self.search_pending:  # Enter before the results caught up with typing
            self.apply_filters()
        if self.model.rowCount():
            self._open_row(max(self.table.currentIndex().row(), 0))

    def _open_index(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        customer_id = self.model.customer_id(row)
        if customer_id is not None:
            self.open_customer.emit(customer_id)

    def _selection_changed(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.selected_button.setEnabled(count > 0)
        self._bulk_actions["merge"].setEnabled(count == 2)
        self.selected_button.setText(f"Selected ({count})" if count > 1 else "Selected")

    def _row_menu(self, pos: QPoint) -> None:
        if self.table.selectionModel().selectedRows():
            self.bulk_menu.exec(self.table.viewport().mapToGlobal(pos))

    def _column_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for column, spec in enumerate(COLUMNS):
            action = QAction(spec.title, menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(column != 0)  # the name always stays visible
            action.toggled.connect(
                lambda shown, c=column: header.setSectionHidden(c, not shown))
            menu.addAction(action)
        menu.exec(header.mapToGlobal(pos))

