"""The Reports page: one tab per report, a period to look at, the report itself, and what can
be done from it (print, save as PDF, export CSV; open, follow up or remind the customer of the
row chosen)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.documents.report_document import Period, PeriodChoice, Report, Row, period_for
from crm_desktop.formatting import Formatter
from crm_desktop.gui.reports.report_view import ReportView

REPORTS = (("sales", "Sales"), ("owed", "Money owed"), ("follow_ups", "Follow-ups"),
           ("queries", "Queries"), ("feedback", "Complaints and wins"),
           ("customers", "Customers"), ("at_risk", "Customers we may lose"))
AS_OF_TODAY = frozenset({"owed", "at_risk"})  # these have no period: they are about now
CUSTOM = "custom"


class ReportsPage(QWidget):
    requested = Signal(str, object)  # the report's key, the Period (None: as of today)
    drill = Signal(object)  # a Drill
    open_row = Signal(object)  # a Row: its customer or invoice
    follow_up = Signal(object)  # a Row: follow its customer up
    remind = Signal(object)  # a Row: a friendly payment reminder to its customer
    print_report = Signal()
    save_pdf = Signal()
    export_csv = Signal()

    def __init__(self, formatter: Formatter, today: date, *, reports: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self._today = today
        self.report: Report | None = None
        self.view: ReportView | None = None
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        for key, label in REPORTS:
            if key in reports:
                index = self.tabs.addTab(label)
                self.tabs.setTabData(index, key)
        self.period = QComboBox()
        for choice in PeriodChoice:
            self.period.addItem(choice.value, choice.value)
        self.period.addItem("From … to …", CUSTOM)
        self.period.setCurrentIndex(self.period.findData(PeriodChoice.THIS_YEAR.value))
        self.period.setToolTip("The period the report counts")
        self.since = QDateEdit(QDate(today.year, 1, 1))
        self.until = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setVisible(False)
        self.as_of = QLabel()
        self.print_button = QPushButton("&Print…")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.csv_button = QPushButton("Export &CSV…")
        self.csv_button.setToolTip("Every figure and table of this report, for a spreadsheet")
        top = QHBoxLayout()
        top.addWidget(self.tabs, 1)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period:"))
        bar.addWidget(self.period)
        bar.addWidget(self.since)
        bar.addWidget(self.until)
        bar.addWidget(self.as_of)
        bar.addStretch(1)
        for button in (self.print_button, self.pdf_button, self.csv_button):
            bar.addWidget(button)

        self.open_button = QPushButton("&Open")
        self.open_button.setToolTip("Open the customer (or the invoice) of the row chosen")
        self.behind_button = QPushButton("&See the rows behind it…")
        self.follow_button = QPushButton("&Follow up…")
        self.follow_button.setToolTip("Schedule a follow-up with the customer of the row chosen")
        self.remind_button = QPushButton("Reminder &letter…")
        self.remind_button.setToolTip("A friendly payment reminder to the customer chosen")
        self.hint = QLabel("Double-click a row to see the rows behind it.")
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        actions = QHBoxLayout()
        actions.addWidget(self.hint, 1)
        for button in (self.behind_button, self.open_button, self.follow_button,
                       self.remind_button):
            actions.addWidget(button)

        self.status = QLabel()
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addLayout(actions)

        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        self.period.currentIndexChanged.connect(self._period_changed)
        self.since.dateChanged.connect(lambda _d: self.refresh())
        self.until.dateChanged.connect(lambda _d: self.refresh())
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.csv_button.clicked.connect(self.export_csv)
        self.open_button.clicked.connect(lambda: self._with_row(self.open_row))
        self.follow_button.clicked.connect(lambda: self._with_row(self.follow_up))
        self.remind_button.clicked.connect(lambda: self._with_row(self.remind))
        self.behind_button.clicked.connect(self._behind)
        self._row_chosen(None)

    # ---- what is asked -----------------------------------------------------------------------

    def key(self) -> str:
        return str(self.tabs.tabData(self.tabs.currentIndex()) or "")

    def show_tab(self, key: str) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabData(index) == key:
                self.tabs.setCurrentIndex(index)
                return

    def chosen_period(self) -> Period | None:
        """The period chosen; None for the reports about today (and a custom period that
        ends before it starts, which is said next to it)."""
        if self.key() in AS_OF_TODAY:
            return None
        choice = str(self.period.currentData())
        if choice != CUSTOM:
            return period_for(PeriodChoice(choice), self._today)
        since, until = self.since.date().toPython(), self.until.date().toPython()
        assert isinstance(since, date) and isinstance(until, date)
        if until < since:
            return None
        return Period(since, until)

    def set_today(self, today: date) -> None:
        self._today = today

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def refresh(self) -> None:
        key = self.key()
        if not key:
            return
        today_only = key in AS_OF_TODAY
        custom = self.period.currentData() == CUSTOM and not today_only
        self.period.setVisible(not today_only)
        self.since.setVisible(custom)
        self.until.setVisible(custom)
        self.as_of.setText(f"As of today, {self._formatter.date(self._today)}" if today_only
                           else "")
        period = self.chosen_period()
        if period is None and not today_only:
            self._say("The period ends before it starts: choose its end after its start.")
            return
        self._say("Working out the figures…")
        self.requested.emit(key, period)

    # ---- what is shown -----------------------------------------------------------------------

    def show_report(self, report: Report) -> None:
        self.report = report
        view = ReportView(report, self._formatter)
        view.drill.connect(self.drill)
        view.open_row.connect(self.open_row)
        view.row_chosen.connect(self._row_chosen)
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
        self.view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        for button in (self.print_button, self.pdf_button, self.csv_button):
            button.setEnabled(True)
        self._row_chosen(None)

    def show_failure(self, message: str) -> None:
        self._say(message)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.stack.setCurrentWidget(self.status)
        for button in (self.print_button, self.pdf_button, self.csv_button):
            button.setEnabled(False)
        self._row_chosen(None)

    def selected_row(self) -> Row | None:
        return self.view.selected() if self.view is not None else None

    def _row_chosen(self, row: Row | None) -> None:
        has_customer = row is not None and row.customer_id is not None
        self.open_button.setEnabled(has_customer or (row is not None
                                                     and row.invoice_id is not None))
        self.follow_button.setEnabled(has_customer)
        self.behind_button.setEnabled(row is not None and row.drill is not None)
        self.hint.setText("Double-click a customer to open them." if self.key() == "at_risk"
                          else "Double-click a row to see the rows behind it.")
        owed = self.key() == "owed"
        self.remind_button.setVisible(owed)
        self.remind_button.setEnabled(owed and has_customer)
        follow = self.key() in ("owed", "at_risk", "sales", "customers")
        self.follow_button.setVisible(follow)

    def _with_row(self, signal: SignalInstance) -> None:
        row = self.selected_row()
        if row is not None:
            signal.emit(row)

    def _behind(self) -> None:
        row = self.selected_row()
        if row is not None and row.drill is not None:
            self.drill.emit(row.drill)

    def _period_changed(self) -> None:
        self.refresh()
