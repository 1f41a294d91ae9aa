"""The tally: what keeps happening. Counts per category, a monthly trend chart, the entries
behind a count, and how customers rate the shop."""

from __future__ import annotations

from html import escape

from PySide6.QtCharts import QBarCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.gui.shared.widgets import read_only_table
from crm_desktop.models import FeedbackKind
from crm_desktop.services.feedback.feedback_service import (
    RISING_FACTOR,
    RISING_MIN,
    FeedbackEntry,
    FeedbackService,
    TallyRow,
)

KINDS = ((FeedbackKind.COMPLAINT, "Complaints"), (FeedbackKind.WIN, "Wins"),
         (FeedbackKind.SUGGESTION, "Suggestions"))
PERIODS = ((30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days"))
RISING_TIP = (f"Rising: at least {RISING_MIN} in the last 30 days, and at least "
              f"{RISING_FACTOR}× its own average for 30 days over the year before.")
RED = QColor(ALERT)
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 4


class TallyPage(QWidget):
    record = Signal(str)  # the kind to record
    open_customer = Signal(int)
    write_apology = Signal(int)  # the customer behind a complaint
    edit_categories = Signal()

    def __init__(self, service: FeedbackService, formatter: Formatter, *, can_edit: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._formatter = formatter
        self.rows: list[TallyRow] = []
        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(label, kind.value)
        self.period = QComboBox()
        for days, label in PERIODS:
            self.period.addItem(label, days)
        self.record_button = QPushButton("&Record…")
        self.record_button.setToolTip("A complaint, a win, a suggestion or a rating")
        self.categories_button = QPushButton("Edit &categories…")
        self.categories_button.setVisible(can_edit)
        top = QHBoxLayout()
        top.addWidget(self.kind)
        top.addWidget(self.period)
        top.addStretch(1)
        top.addWidget(self.categories_button)
        top.addWidget(self.record_button)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Category", "Count", "Last 30 days",
                                              "Usual per 30 days"])
        read_only_table(self.table, stretch_last=False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(self.chart.margins())
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        self.entries_title = QLabel()
        self.entries = QTableWidget(0, 5)
        self.entries.setHorizontalHeaderLabels(["When", "Customer", "What happened",
                                                "Apologised", "What was done"])
        read_only_table(self.entries)
        for column, width in enumerate((110, 160, 320, 80)):
            self.entries.setColumnWidth(column, width)
        self.ratings = QLabel()
        self.ratings.setWordWrap(True)
        self.ratings.setTextFormat(Qt.TextFormat.RichText)

        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self.table)
        upper.addWidget(self.chart_view)
        upper.setSizes([420, 600])
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.apology_button = QPushButton("Write an &apology…")
        self.apology_button.setToolTip("A letter to the customer behind this complaint: "
                                       "recognise the error, never blame the customer")
        self.apology_button.setEnabled(False)
        self.apology_button.clicked.connect(self._apologise)
        entries_row = QHBoxLayout()
        entries_row.addWidget(self.entries_title, 1)
        entries_row.addWidget(self.apology_button)
        lower_layout.addLayout(entries_row)
        lower_layout.addWidget(self.entries, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([380, 240])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.ratings)

        self.kind.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.table.currentCellChanged.connect(lambda *_: self._show_entries())
        self.entries.cellDoubleClicked.connect(self._open_entry)
        self.entries.itemSelectionChanged.connect(self._entry_chosen)
        self.record_button.clicked.connect(
            lambda: self.record.emit(str(self.kind.currentData())))
        self.categories_button.clicked.connect(self.edit_categories)

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def current_kind(self) -> FeedbackKind:
        return FeedbackKind(self.kind.currentData())

    def refresh(self) -> None:
        kind = self.current_kind()
        selected = self.selected_category()
        self.rows = self._service.tally(kind, int(self.period.currentData()))
        self.table.setRowCount(len(self.rows))
        bold = QFont()
        bold.setBold(True)
        for r, row in enumerate(self.rows):
            name = f"{row.name}  ▲ rising" if row.rising else row.name
            cells = (name, str(row.count), str(row.last_30_days),
                     self._formatter.number(row.past_average))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(CATEGORY_ROLE, row.category_id)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if row.rising:
                    item.setForeground(RED)
                    item.setFont(bold)
                    item.setToolTip(RISING_TIP)
                self.table.setItem(r, c, item)
        # Keep the chosen category while it has entries; otherwise show the busiest one.
        index = next((i for i, row in enumerate(self.rows)
                      if row.category_id == selected and row.count), 0)
        if self.rows:
            self.table.setCurrentCell(index, 0)
        self._draw_chart(kind)
        self._show_entries()
        self._show_ratings()

    def selected_category(self) -> int | None:
        item = self.table.item(self.table.currentRow(), 0)
        value = item.data(CATEGORY_ROLE) if item is not None else None
        return int(value) if value is not None else None

    def series_names(self) -> list[str]:
        return [s.name() for s in self.chart.series()]

    def _draw_chart(self, kind: FeedbackKind) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        months, series = self._service.trend(kind)
        label = dict(KINDS)[kind]
        f = self._formatter
        self.chart.setTitle(f"{label} per month, {f.month(months[0])} – {f.month(months[-1])}")
        axis_x = QBarCategoryAxis()
        axis_x.append([f.month_initial(m) for m in months])
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%d")
        top = max((max(counts) for counts in series.values()), default=0)
        axis_y.setRange(0, max(4, top + 1))
        axis_y.setTickCount(min(max(4, top + 1), 10) + 1 if top < 10 else 6)
        self.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        rising = {r.name for r in self.rows if r.rising}
        for name, counts in series.items():
            line = QLineSeries()
            line.setName(f"{name} ▲" if name in rising else name)
            line.setPointsVisible(True)
            for i, count in enumerate(counts):
                line.append(QPointF(i, count))
            self.chart.addSeries(line)
            line.attachAxis(axis_x)
            line.attachAxis(axis_y)
            if name in rising:
                pen = QPen(RED)
                pen.setWidth(3)
                line.setPen(pen)

    def _show_entries(self) -> None:
        category = self.selected_category()
        kind = self.current_kind()
        days = int(self.period.currentData())
        found: list[FeedbackEntry] = (
            self._service.entries(kind, category_id=category, days=days)
            if category is not None else [])
        name = next((r.name for r in self.rows if r.category_id == category), "")
        self.entries_title.setText(f"<b>{escape(name)}</b>: {len(found)} in the "
                                   f"{self.period.currentText().lower()}" if name else "")
        complaint = kind is FeedbackKind.COMPLAINT
        self.entries.setColumnHidden(3, not complaint)
        self.entries.setColumnHidden(4, not complaint)
        self.entries.setRowCount(len(found))
        f = self._formatter
        for r, entry in enumerate(found):
            apologised = "" if entry.apology_made is None else (
                "Yes" if entry.apology_made else "No")
            for c, text in enumerate((f.date(entry.occurred_at), entry.customer_name,
                                      entry.text, apologised, entry.action_taken)):
                item = QTableWidgetItem(text)
                item.setData(CATEGORY_ROLE, entry.customer_id)
                item.setToolTip(entry.text)
                self.entries.setItem(r, c, item)

    def _show_ratings(self) -> None:
        summary = self._service.ratings()
        if summary.average is None:
            self.ratings.setText("No ratings yet: record one when a customer tells you how "
                                 "they feel.")
            return
        quotes = " ".join(f"“{escape(e.text)}” <i>— {escape(e.customer_name or 'anonymous')}"
                          "</i>" for e in summary.recent[:3])
        self.ratings.setText(
            f"<b>Customers rate us {self._formatter.rating(summary.average)} / 5</b> "
            f"({summary.count} rating{'s' if summary.count != 1 else ''}). {quotes}")

    def _entry_customer(self) -> int | None:
        item = self.entries.item(self.entries.currentRow(), 0)
        customer_id = item.data(CATEGORY_ROLE) if item is not None else None
        return int(customer_id) if customer_id is not None else None

    def _entry_chosen(self) -> None:
        self.apology_button.setEnabled(self.current_kind() is FeedbackKind.COMPLAINT
                                       and self._entry_customer() is not None)

    def _apologise(self) -> None:
        customer_id = self._entry_customer()
        if customer_id is not None and self.current_kind() is FeedbackKind.COMPLAINT:
            self.write_apology.emit(customer_id)

    def _open_entry(self, row: int, _column: int) -> None:
        item = self.entries.item(row, 0)
        customer_id = item.data(CATEGORY_ROLE) if item is not None else None
        if customer_id is not None:
            self.open_customer.emit(int(customer_id))
