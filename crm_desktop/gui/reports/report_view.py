"""Any report on screen: its headline figures in boxes, each chart with the table of its
numbers beside it, then the other tables. Double-click a row to see the rows behind it."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.documents.report_document import Chart, ChartKind, Kind, Report, Row, Table
from crm_desktop.documents.report_output import text_of
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.widgets import read_only_table

ROW_ROLE = Qt.ItemDataRole.UserRole + 7
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
LEFT_KINDS = (Kind.TEXT, Kind.MONTH, Kind.DATE)
MAX_VISIBLE_ROWS = 14
BESIDE_MAX_COLUMNS = 4  # a table beside its chart; a wider one goes under it


class ReportTable(QTableWidget):
    """One table of a report; each row remembers its :class:`Row` (drill, customer)."""

    drill = Signal(object)  # a Drill
    open_row = Signal(object)  # a Row with a customer or an invoice and nothing to drill into

    def __init__(self, table: Table, formatter: Formatter, parent: QWidget | None = None,
                 *, fit: bool = True) -> None:
        super().__init__(0, len(table.columns), parent)
        self.report_table = table
        read_only_table(self, stretch_last=False)
        self.setHorizontalHeaderLabels([c.title for c in table.columns])
        self.verticalHeader().setVisible(False)
        rows = list(table.rows) + ([table.total] if table.total else [])
        self.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for r, row in enumerate(rows):
            total = row is table.total
            for c, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
                item = QTableWidgetItem(text_of(value, column.kind, formatter))
                if not total:  # (a total row leads nowhere)
                    item.setData(ROW_ROLE, row)
                if column.kind not in LEFT_KINDS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column.kind is Kind.TEXT and isinstance(value, str) and len(value) > 40:
                    item.setToolTip(value)
                if total:
                    item.setFont(bold)
                elif row.drill is not None:
                    item.setToolTip(f"Double-click to see them: {row.drill.title}")
                self.setItem(r, c, item)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        text_columns = [i for i, c in enumerate(table.columns) if c.kind is Kind.TEXT]
        header.setSectionResizeMode(text_columns[-1] if text_columns else 0,
                                    QHeaderView.ResizeMode.Stretch)
        if fit:  # short tables show all their rows; long ones scroll inside
            shown = min(len(rows), MAX_VISIBLE_ROWS)
            height = (header.sizeHint().height() + 2 * self.frameWidth()
                      + sum(self.rowHeight(i) for i in range(shown)) + 2)
            self.setFixedHeight(max(height, 60))
        self.cellDoubleClicked.connect(self._double_clicked)

    def row_at(self, index: int) -> Row | None:
        item = self.item(index, 0)
        value = item.data(ROW_ROLE) if item is not None else None
        return value if isinstance(value, Row) else None

    def current(self) -> Row | None:
        return self.row_at(self.currentRow())

    def _double_clicked(self, index: int, _column: int) -> None:
        row = self.row_at(index)
        if row is None:
            return
        if row.drill is not None:
            self.drill.emit(row.drill)
        elif row.customer_id is not None or row.invoice_id is not None:
            self.open_row.emit(row)


def chart_view(chart: Chart, formatter: Formatter) -> QChartView:
    """A QtCharts bar chart (stacked when the chart says so), money axes without cents."""
    view_chart = QChart()
    view_chart.setTitle(chart.title)
    view_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view_chart.legend().setVisible(len(chart.series) > 1)
    series = QStackedBarSeries() if chart.kind is ChartKind.STACKED else QBarSeries()
    top = max((float(v) for data in chart.series for v in data.values), default=0.0)
    if chart.kind is ChartKind.STACKED and chart.series:
        top = max((sum(float(s.values[i]) for s in chart.series)
                   for i in range(len(chart.categories))), default=0.0)
    # Big amounts read in thousands (an axis cannot write 1,000,000 the locale's way).
    scale = 1000.0 if chart.money and top >= 10_000 else 1.0
    for i, data in enumerate(chart.series):
        bars = QBarSet(data.name)
        bars.setColor(QColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]))
        for value in data.values:
            bars.append(float(value) / scale)
        series.append(bars)
    view_chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append([formatter.month_initial(c) if isinstance(c, date) else str(c)
                   for c in chart.categories])
    axis_y = QValueAxis()
    axis_y.setLabelFormat("%.0f")
    if scale > 1:
        axis_y.setTitleText(f"thousands ({formatter.currency})")
    if top / scale >= 10:
        axis_y.setRange(0, top / scale * 1.05)
        axis_y.applyNiceNumbers()  # 0, 500, 1000 … rather than 0, 867, 1734 …
    else:  # a few: a tick for each whole number
        axis_y.setRange(0, max(4.0, float(int(top / scale) + 1)))
        axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
        axis_y.setTickAnchor(0)
        axis_y.setTickInterval(1)
    view_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    view_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
    view = QChartView(view_chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(260)
    view.setMinimumWidth(380)
    return view


class ReportView(QScrollArea):
    drill = Signal(object)  # a Drill
    open_row = Signal(object)  # a Row
    row_chosen = Signal(object)  # the Row now selected in any table, or None

    def __init__(self, report: Report, formatter: Formatter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 12, 4)
        layout.addLayout(self._figures(report, formatter))
        self.tables: dict[str, ReportTable] = {}
        beside = {c.table for c in report.charts}
        self.charts: list[QChartView] = []
        for chart in report.charts:
            row = QHBoxLayout()
            view = chart_view(chart, formatter)
            self.charts.append(view)
            row.addWidget(view, 3)
            table = next((t for t in report.tables if t.title == chart.table), None)
            if table is not None and len(table.columns) <= BESIDE_MAX_COLUMNS:
                beside_chart = self._titled(table, formatter)
                beside_chart.addStretch(1)
                row.addLayout(beside_chart, 2)
            else:  # a wide table goes under its chart
                beside.discard(chart.table)
            layout.addLayout(row)
        # The only table of a report (the customers we may lose) fills the page.
        alone = len(report.tables) == 1 and not report.charts
        for table in report.tables:
            if table.title not in beside:
                layout.addLayout(self._titled(table, formatter, fit=not alone), 1 if alone else 0)
        if not alone:
            layout.addStretch(1)
        for note in report.notes:
            label = QLabel(escape(note))
            label.setWordWrap(True)
            label.setStyleSheet("color: palette(placeholder-text);")
            layout.addWidget(label)
        self.setWidget(body)

    def selected(self) -> Row | None:
        for table in self.tables.values():
            if table.selectedItems():
                return table.current()
        return None

    def _figures(self, report: Report, formatter: Formatter) -> QGridLayout:
        grid = QGridLayout()
        self.figure_labels: dict[str, QLabel] = {}
        for i, figure in enumerate(report.figures):
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(box)
            value = QLabel(text_of(figure.value, figure.kind, formatter))
            value.setObjectName(f"figure:{figure.label}")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            font.setBold(True)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(escape(figure.label) + (
                f"<br><small>{escape(figure.note)}</small>" if figure.note else ""))
            caption.setTextFormat(Qt.TextFormat.RichText)
            inner.addWidget(value)
            inner.addWidget(caption)
            self.figure_labels[figure.label] = value
            grid.addWidget(box, i // 4, i % 4)
        return grid

    def _titled(self, table: Table, formatter: Formatter, *, fit: bool = True) -> QVBoxLayout:
        box = QVBoxLayout()
        title = QLabel(f"<b>{escape(table.title)}</b>")
        box.addWidget(title)
        widget = ReportTable(table, formatter, fit=fit)
        widget.drill.connect(self.drill)
        widget.open_row.connect(self.open_row)
        widget.itemSelectionChanged.connect(lambda w=widget: self._chosen(w))
        self.tables[table.title] = widget
        box.addWidget(widget, 1)
        if table.note:
            note = QLabel(f"<small>{escape(table.note)}</small>")
            note.setWordWrap(True)
            box.addWidget(note)
        if not table.rows:
            box.addWidget(QLabel("<small>Nothing in this period.</small>"))
        return box

    def _chosen(self, widget: ReportTable) -> None:
        if widget.selectedItems():
            for other in self.tables.values():
                if other is not widget:
                    other.blockSignals(True)
                    other.clearSelection()
                    other.blockSignals(False)
        self.row_chosen.emit(widget.current() if widget.selectedItems() else None)
