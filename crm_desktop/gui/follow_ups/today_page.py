"""The start page: what today holds for me (or everyone), most urgent first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from html import escape

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import FOLLOW_UP_CHANNEL_LABELS, Formatter
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.gui.shared.widgets import breakable
from crm_desktop.models import DateKind, FollowUpState
from crm_desktop.services.follow_ups.follow_up_service import (
    DateRow,
    FollowUpView,
    QuietRow,
    Section,
    TodayView,
)
from crm_desktop.services.reports.at_risk import AtRiskCustomer

ROW = Qt.ItemDataRole.UserRole
COLUMNS = ("When", "Customer", "What", "How", "For")
MISSED_MARK = "● "


class TodayPage(QWidget):
    open_customer = Signal(int)
    complete = Signal(object)  # FollowUpView
    snooze = Signal(object)
    reassign = Signal(object)
    cancel = Signal(object)
    accept_suggestion = Signal(object)
    change = Signal(object)
    dismiss = Signal(object)
    schedule_for = Signal(int)  # a customer id: a date or a quiet customer, to follow up
    write_to = Signal(int, str)  # a customer id and the letter for the occasion (its key)
    scope_changed = Signal()
    refresh_requested = Signal()

    def __init__(self, formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self._missed: dict[int, datetime] = {}  # follow-up id → the due time that was missed
        self.at_risk: Section[AtRiskCustomer] | None = None  # worked out on a worker
        self._at_risk_top: QTreeWidgetItem | None = None
        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.scope = QComboBox()
        self.scope.addItem("Mine", "mine")
        self.scope.addItem("Everyone's", "everyone")
        self.scope.setToolTip("Mine: assigned to me, or to nobody")
        refresh = QPushButton("&Refresh")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.scope)
        top.addWidget(refresh)

        self.missed_banner = QWidget()
        self.missed_banner.setObjectName("missedBanner")
        self.missed_banner.setStyleSheet(
            "#missedBanner { background: #fff4ce; border: 1px solid #e0c060; "
            "border-radius: 4px; }")
        self.missed_text = QLabel()
        self.missed_text.setWordWrap(True)
        close_banner = QToolButton()
        close_banner.setText("✕")
        close_banner.setToolTip("Hide this notice (the follow-ups stay in the list)")
        close_banner.setAutoRaise(True)
        banner = QHBoxLayout(self.missed_banner)
        banner.addWidget(self.missed_text, 1)
        banner.addWidget(close_banner)
        self.missed_banner.hide()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        for column, width in enumerate((200, 180, 320, 70)):
            self.tree.setColumnWidth(column, width)

        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for key, label, tip in (
                ("complete", "&Done…", "Record how it went; a repeating one is rescheduled"),
                ("snooze", "S&nooze…", "Later today, tomorrow, next week or a date"),
                ("accept", "&Accept", "Make this suggestion a follow-up of yours"),
                ("change", "C&hange…", "Change when, how, what or who"),
                ("dismiss", "Dis&miss", "Not needed: it will not be suggested again"),
                ("reassign", "Hand &over…", "Give it to someone else"),
                ("cancel", "&Cancel…", "No longer needed, with a reason"),
                ("schedule", "&Follow up…", "Schedule a follow-up for this customer"),
                ("write", "&Write…", "A card or letter for the occasion: a birthday card, an "
                                     "anniversary's thanks, or “we miss you”"),
                ("open", "Open &customer", "Open the customer's profile")):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, k=key: self._act(k))
            self.buttons[key] = button
            actions.addWidget(button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.missed_banner)
        layout.addWidget(self.tree, 1)
        layout.addLayout(actions)

        refresh.clicked.connect(self.refresh_requested)
        close_banner.clicked.connect(self.missed_banner.hide)
        self.scope.currentIndexChanged.connect(lambda _i: self.scope_changed.emit())
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self._update_buttons()

    # ---- what is shown -----------------------------------------------------------------------

    @property
    def everyone(self) -> bool:
        return bool(self.scope.currentData() == "everyone")

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def show_missed(self, missed: Sequence[FollowUpView]) -> None:
        """What fell due while the app was closed: said once at the top, marked in the list."""
        if not missed:
            return
        self._missed.update((item.id, item.due_at) for item in missed)
        names = escape(breakable(", ".join(f"{m.customer_name} ({m.purpose})"
                                           for m in missed[:5])))
        more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
        count = "1 follow-up" if len(missed) == 1 else f"{len(missed)} follow-ups"
        self.missed_text.setText(
            f"<b>While CRM Desktop was closed, {count} fell due:</b> {names}{more}. "
            f"They are marked {MISSED_MARK.strip()} below.")
        self.missed_banner.show()

    def show_day(self, day: TodayView) -> None:
        f = self._formatter
        selected = self.selected()
        self.heading.setText(f"Today · {f.date(day.now)}")
        self.tree.clear()
        self._section("Overdue", day.overdue, day.now, alert=True)
        self._section("Due today", day.due_today, day.now)
        self._section("Suggested for you", day.suggestions, day.now)
        self._section("Coming up this week", day.upcoming, day.now)
        self._dates(day.dates)
        self._quiet(day.quiet, day.now)
        self._at_risk_top = None
        if self.at_risk is not None:  # as last worked out, until the worker has news
            self._show_at_risk(self.at_risk)
        self.tree.expandAll()
        self._reselect(selected)
        self._update_buttons()

    def sections(self) -> dict[str, list[str]]:
        """Section heading → the customer names in it (what a person reads; for tests)."""
        shown: dict[str, list[str]] = {}
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            assert top is not None
            shown[top.text(0).rsplit(" (", 1)[0]] = [
                child.text(1) for child in (top.child(j) for j in range(top.childCount()))
                if child is not None]
        return shown

    def find_row(self, text: str) -> QTreeWidgetItem | None:
        """The first row whose "What" contains ``text``."""
        return next((row for row in self._rows() if text in row.text(2)), None)

    def _rows(self) -> Iterator[QTreeWidgetItem]:
        """Every row under every section heading, top to bottom."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            assert top is not None
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None:
                    yield child

    def selected(self) -> object | None:
        item = self.tree.currentItem()
        return item.data(0, ROW) if item is not None else None

    def _heading(self, title: str, total: int, shown: int) -> QTreeWidgetItem:
        more = f", {shown} shown" if total > shown else ""
        top = QTreeWidgetItem(self.tree, [f"{title} ({total}{more})"])
        top.setFirstColumnSpanned(True)
        font = QFont(top.font(0))
        font.setBold(True)
        top.setFont(0, font)
        top.setFlags(Qt.ItemFlag.ItemIsEnabled)
        return top

    def _section(self, title: str, section: Section[FollowUpView], now: datetime, *,
                 alert: bool = False) -> None:
        if not section.total:
            return
        top = self._heading(title, section.total, len(section.rows))
        f = self._formatter
        for item in section.rows:
            when = f.date_time(item.due_at) if item.has_time else f.date(item.due_at)
            if self._missed.get(item.id) == item.due_at:  # (not once it is snoozed)
                when = MISSED_MARK + when
            what = item.purpose + (f" · {item.repeat_text}" if item.recurring else "")
            row = QTreeWidgetItem(top, [when, item.customer_name, what,
                                        FOLLOW_UP_CHANNEL_LABELS[item.channel],
                                        item.assignee_name or "Anyone"])
            row.setData(0, ROW, item)
            tip = item.notes or item.purpose
            if item.state is FollowUpState.SUGGESTED:
                tip = "Suggested: accept, change or dismiss it"
            row.setToolTip(2, tip)
            if alert and item.overdue(now):  # under "Overdue", and red
                for column in range(len(COLUMNS)):
                    row.setForeground(column, QBrush(QColor(ALERT)))

    def _dates(self, section: Section[DateRow]) -> None:
        if not section.total:
            return
        top = self._heading("Birthdays and anniversaries this week", section.total,
                            len(section.rows))
        for entry in section.rows:
            row = QTreeWidgetItem(top, [self._formatter.date(entry.upcoming.on),
                                        entry.customer_name, entry.upcoming.describe(), "", ""])
            row.setData(0, ROW, entry)

    def _quiet(self, section: Section[QuietRow], now: datetime) -> None:
        if not section.total:
            return
        top = self._heading("Gone quiet", section.total, len(section.rows))
        f = self._formatter
        for entry in section.rows:
            row = QTreeWidgetItem(top, [
                f"Last contact {f.ago(entry.last_contact_at, now)}", entry.customer_name,
                f"Usually in touch every {round(entry.usual_gap_days)} days", "", ""])
            row.setData(0, ROW, entry)

    def show_at_risk(self, section: Section[AtRiskCustomer]) -> None:
        """The worst few customers we may lose, under the rest of the day."""
        selected = self.selected()
        self.at_risk = section
        self._show_at_risk(section)
        self._reselect(selected)

    def _show_at_risk(self, section: Section[AtRiskCustomer]) -> None:
        if self._at_risk_top is not None:
            index = self.tree.indexOfTopLevelItem(self._at_risk_top)
            if index >= 0:
                self.tree.takeTopLevelItem(index)
            self._at_risk_top = None
        if not section.total:
            return
        top = self._heading("Customers we may lose", section.total, len(section.rows))
        self._at_risk_top = top
        top.setToolTip(0, "The worst few; Reports → Customers we may lose lists them all, "
                          "with how the score is worked out")
        for entry in section.rows:
            row = QTreeWidgetItem(top, [f"Score {entry.score}", entry.name, entry.why, "", ""])
            row.setToolTip(2, entry.why)
            row.setData(0, ROW, entry)
        top.setExpanded(True)

    def _reselect(self, previous: object | None) -> None:
        key = _key(previous)
        if key is None:
            return
        found = next((row for row in self._rows() if _key(row.data(0, ROW)) == key), None)
        if found is not None:
            self.tree.setCurrentItem(found)

    # ---- actions -----------------------------------------------------------------------------

    def _allowed(self) -> set[str]:
        row = self.selected()
        if isinstance(row, FollowUpView):
            if row.state is FollowUpState.SUGGESTED:
                return {"accept", "change", "dismiss", "reassign", "open"}
            return {"complete", "snooze", "change", "reassign", "cancel", "open"}
        if isinstance(row, DateRow | QuietRow):
            return {"schedule", "write", "open"}
        if isinstance(row, AtRiskCustomer):
            return {"schedule", "open"}
        return set()

    def _update_buttons(self) -> None:
        allowed = self._allowed()
        for key, button in self.buttons.items():
            button.setEnabled(key in allowed)
            # Keep the row short: show what applies to the row chosen (with nothing chosen,
            # the everyday ones, greyed).
            idle = not allowed and key in ("complete", "snooze", "open")
            button.setVisible(key in allowed or idle)

    def _act(self, key: str) -> None:
        row = self.selected()
        if row is None or key not in self._allowed():
            return
        if key == "write" and isinstance(row, DateRow | QuietRow):
            self.write_to.emit(row.customer_id, _occasion(row))
            return
        if key in {"open", "schedule"}:
            customer_id = getattr(row, "customer_id")  # noqa: B009 (four row types have it)
            (self.open_customer if key == "open" else self.schedule_for).emit(customer_id)
            return
        signal = {"complete": self.complete, "snooze": self.snooze, "accept":
                  self.accept_suggestion, "change": self.change, "dismiss": self.dismiss,
                  "reassign": self.reassign, "cancel": self.cancel}[key]
        signal.emit(row)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        row = item.data(0, ROW)
        if row is not None:
            self.open_customer.emit(row.customer_id)

    def _context_menu(self, position: QPoint) -> None:
        item = self.tree.itemAt(position)
        if item is None or item.data(0, ROW) is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        for key in self.buttons:
            if key in self._allowed():
                action = menu.addAction(self.buttons[key].text())
                action.triggered.connect(lambda _checked=False, k=key: self._act(k))
        menu.popup(self.tree.viewport().mapToGlobal(position))


def _key(row: object | None) -> tuple[str, int] | None:
    if isinstance(row, FollowUpView):
        return ("follow_up", row.id)
    if isinstance(row, DateRow):
        return ("date", row.customer_id)
    if isinstance(row, QuietRow):
        return ("quiet", row.customer_id)
    if isinstance(row, AtRiskCustomer):
        return ("at_risk", row.customer_id)
    return None


def _occasion(row: DateRow | QuietRow) -> str:
    """The shop's letter for a row of Today: a birthday card, thanks on another date, and
    "we miss you" to a customer gone quiet."""
    if isinstance(row, QuietRow):
        return "miss_you"
    return "birthday" if row.upcoming.kind is DateKind.BIRTHDAY else "thank_you"
