"""The main window: navigation on the left, the current page on the right."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
)

from crm_desktop import APP_NAME, __version__
from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.errors import CrmError
from crm_desktop.formatting import SETTABLE_STATUSES, STATUS_LABELS, Formatter
from crm_desktop.gui.admin.settings_dialog import SettingsDialog
from crm_desktop.gui.admin.users_dialog import UsersDialog
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.customers.customer_list_model import CustomerListModel
from crm_desktop.gui.customers.customer_list_page import CustomersPage
from crm_desktop.gui.customers.customer_profile_view import CustomerProfileView
from crm_desktop.gui.customers.log_contact_dialog import LogContactDialog
from crm_desktop.gui.customers.timeline_model import TimelineModel
from crm_desktop.gui.customers.trash_page import TrashPage
from crm_desktop.gui.feedback.feedback_dialog import CategoriesDialog, FeedbackDialog
from crm_desktop.gui.feedback.tally_page import TallyPage
from crm_desktop.gui.follow_ups.follow_up_dialogs import (
    CancelDialog,
    CompleteDialog,
    FollowUpDialog,
    ReassignDialog,
    SnoozeDialog,
)
from crm_desktop.gui.follow_ups.today_page import TodayPage
from crm_desktop.gui.invoices.invoice_printing import BatchPrint, choose_printer, run_batch
from crm_desktop.gui.invoices.invoice_window import InvoiceWindow, NewInvoiceDialog
from crm_desktop.gui.invoices.invoices_page import InvoiceListModel, InvoicesPage
from crm_desktop.gui.orders.order_dialog import OrderDialog
from crm_desktop.gui.orders.orders_page import OrderListModel, OrdersPage
from crm_desktop.gui.orders.product_dialog import ProductDialog
from crm_desktop.gui.orders.products_page import ProductsPage
from crm_desktop.gui.queries.queries_page import QueriesPage, QueryListModel
from crm_desktop.gui.queries.query_dialogs import LogQueryDialog, QueryDialog
from crm_desktop.gui.shared.errors import attempt
from crm_desktop.gui.shared.ui_state import (
    restore_geometry,
    restore_splitter,
    save_geometry,
    save_splitter,
)
from crm_desktop.models import CustomerStatus, FeedbackKind
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import (
    BulkChange,
    CustomerDetail,
    CustomerService,
)
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.follow_ups.calendar_export import follow_ups_to_ics
from crm_desktop.services.follow_ups.follow_up_service import (
    FollowUpService,
    FollowUpView,
    TodayScope,
    TodayView,
)
from crm_desktop.services.invoices.invoice_list_service import InvoiceListService
from crm_desktop.services.invoices.invoice_service import InvoiceService, InvoiceView
from crm_desktop.services.orders.order_list_service import OrderListService
from crm_desktop.services.orders.order_service import OrderService, OrderView
from crm_desktop.services.queries.query_service import QueryScope, QueryService

log = logging.getLogger(__name__)
DialogT = TypeVar("DialogT", bound=QDialog)

NAV_ITEMS = ("Today", "Customers", "Queries", "Tally", "Orders", "Invoices", "Products",
             "Trash")
# How often a running app looks for follow-ups that have fallen due. Reminders are claimed in
# the database, so a minute late is the worst case and two desks never announce one twice.
REMINDER_INTERVAL_MS = 60_000
SUGGEST_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Services:
    """What the main window hands out: each page receives only the services it uses."""

    customers: CustomerService
    customer_list: CustomerListService
    users: UserService
    settings: SettingsService
    timeline: TimelineService
    orders: OrderService
    order_list: OrderListService
    invoices: InvoiceService
    invoice_list: InvoiceListService
    queries: QueryService
    feedback: FeedbackService
    follow_ups: FollowUpService
    clock: Clock


class MainWindow(QMainWindow):
    def __init__(self, services: Services, *, actor: Actor, formatter: Formatter,
                 ui_state: QSettings, database_label: str, shop_name: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self._ui_state = ui_state
        self.setWindowTitle(f"{shop_name} — {APP_NAME}")
        self.resize(1200, 760)

        self._formatter = formatter
        self.customer_model = CustomerListModel(services.customer_list, formatter)
        self.customers_page = CustomersPage(self.customer_model, ui_state)
        self.timeline_model = TimelineModel(services.timeline, formatter)
        self.profile = CustomerProfileView(formatter, self.timeline_model)
        self.trash_page = TrashPage(can_purge=actor.is_owner)
        self.order_model = OrderListModel(services.order_list, formatter)
        self.orders_page = OrdersPage(self.order_model, services.clock)
        self.invoice_model = InvoiceListModel(services.invoice_list, formatter)
        self.invoices_page = InvoicesPage(self.invoice_model)
        self.batch_print: BatchPrint | None = None
        self.products_page = ProductsPage()
        self.query_model = QueryListModel(services.queries, formatter, services.clock,
                                          actor.user_id)
        self.queries_page = QueriesPage(self.query_model)
        self.tally_page = TallyPage(services.feedback, formatter, can_edit=actor.is_owner)
        self.today_page = TodayPage(formatter)
        self.stack = QStackedWidget()
        for page in (self.today_page, self.customers_page, self.profile, self.queries_page,
                     self.tally_page, self.orders_page, self.invoices_page, self.products_page,
                     self.trash_page):
            self.stack.addWidget(page)

        self.nav = QListWidget()
        self.nav.addItems(NAV_ITEMS)
        self.nav.setCurrentRow(0)
        self.nav.setMaximumWidth(220)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([160, 1040])
        self.setCentralWidget(self.splitter)

        self._build_menus()
        user = QLabel(f"Signed in as {actor.display_name}")
        self.statusBar().addPermanentWidget(user)
        self.statusBar().addPermanentWidget(QLabel(f"Database: {database_label}"))

        self.nav.currentRowChanged.connect(self._navigate)
        self.customers_page.open_customer.connect(self.open_customer)
        self.customers_page.new_customer.connect(self.new_customer)
        self.customers_page.bulk_requested.connect(self.bulk_change)
        self.profile.back.connect(self.show_list)
        self.profile.edit.connect(self.edit_customer)
        self.profile.delete.connect(self.delete_customer)
        self.profile.log_contact.connect(self.log_contact)
        self.profile.add_note.connect(self.add_note)
        self.profile.pin_note.connect(self.pin_note)
        self.profile.delete_note.connect(self.delete_note)
        self.profile.new_order.connect(self.new_order)
        self.profile.show_orders.connect(self.show_customer_orders)
        self.profile.new_invoice.connect(self.new_invoice)
        self.profile.open_invoice.connect(self.open_invoice)
        self.profile.log_query.connect(self.log_query)
        self.profile.record_feedback.connect(self.record_feedback)
        self.profile.schedule_follow_up.connect(self.schedule_follow_up)
        self.profile.follow_up_entry.connect(
            lambda cid, kind, ref, purpose: self.schedule_follow_up(
                cid, source=(kind, ref), purpose=purpose))
        self.today_page.open_customer.connect(self.open_customer)
        self.today_page.complete.connect(self.complete_follow_up)
        self.today_page.snooze.connect(self.snooze_follow_up)
        self.today_page.reassign.connect(self.reassign_follow_up)
        self.today_page.cancel.connect(self.cancel_follow_up)
        self.today_page.change.connect(self.change_follow_up)
        self.today_page.accept_suggestion.connect(self.accept_suggestion)
        self.today_page.dismiss.connect(self.dismiss_suggestion)
        self.today_page.schedule_for.connect(self.schedule_follow_up)
        self.today_page.scope_changed.connect(self.refresh_today)
        self.today_page.refresh_requested.connect(self.refresh_today)
        self.queries_page.open_query.connect(self.open_query)
        self.queries_page.log_query.connect(lambda: self.log_query(None))
        self.tally_page.record.connect(
            lambda kind: self.record_feedback(None, FeedbackKind(kind)))
        self.tally_page.open_customer.connect(self.open_customer)
        self.tally_page.edit_categories.connect(self.edit_categories)
        self.orders_page.open_order.connect(self.open_order)
        self.invoices_page.open_invoice.connect(self.open_invoice)
        self.invoices_page.new_invoice.connect(lambda: self.new_invoice(None))
        self.invoices_page.print_unprinted.connect(self.print_unprinted)
        self.products_page.add.connect(lambda: self.edit_product(None))
        self.products_page.edit.connect(self.edit_product)
        self.products_page.refresh_requested.connect(self.show_products)
        self.trash_page.restore.connect(self.restore_customers)
        self.trash_page.purge.connect(self.purge_customers)
        self.stack.currentChanged.connect(self._page_changed)
        self._page_changed()

        self._refresh_choices()
        self._update_query_badge()
        restore_geometry(ui_state, "main_window", self)
        restore_splitter(ui_state, "main_window", self.splitter)
        restore_splitter(ui_state, "profile", self.profile.splitter)

        self.last_reminder: tuple[str, str] | None = None
        self._suggested_at: datetime | None = None
        self.tray = self._make_tray()
        self.reminder_timer = QTimer(self)
        self.reminder_timer.setInterval(REMINDER_INTERVAL_MS)
        self.reminder_timer.timeout.connect(self.check_reminders)
        self.start_day()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = QAction("&New customer…", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_customer)
        file_menu.addAction(self.new_action)
        self.settings_action = QAction("Shop &settings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.setEnabled(self._actor.is_owner)
        if not self._actor.is_owner:
            self.settings_action.setToolTip("Only the shop owner can change the settings")
        self.settings_action.triggered.connect(self.edit_settings)
        file_menu.addAction(self.settings_action)
        self.users_action = QAction("&People who use the app…", self)
        self.users_action.setEnabled(self._actor.is_owner)
        self.users_action.triggered.connect(self.edit_users)
        file_menu.addAction(self.users_action)
        self.export_action = QAction("&Export my follow-ups to a calendar…", self)
        self.export_action.setToolTip("An iCalendar file your phone's calendar can import")
        self.export_action.triggered.connect(self.export_follow_ups)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        customer_menu = self.menuBar().addMenu("&Customer")
        self.log_action = QAction("&Log a contact…", self)
        self.log_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_action.triggered.connect(self._log_current)
        customer_menu.addAction(self.log_action)
        self.note_action = QAction("Add a &note…", self)
        self.note_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.note_action.triggered.connect(self._note_current)
        customer_menu.addAction(self.note_action)
        customer_menu.addSeparator()
        self.query_action = QAction("Log a &query…", self)
        self.query_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.query_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.query_action.setToolTip("From anywhere: who asked, what, and who answers")
        self.query_action.triggered.connect(lambda: self.log_query(self._current_customer_id()))
        customer_menu.addAction(self.query_action)
        self.feedback_action = QAction("Record a complaint, a win or &feedback…", self)
        self.feedback_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.feedback_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.feedback_action.triggered.connect(
            lambda: self.record_feedback(self._current_customer_id()))
        customer_menu.addAction(self.feedback_action)
        self.follow_up_action = QAction("Schedule a follow-&up…", self)
        self.follow_up_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.follow_up_action.triggered.connect(lambda: self.schedule_follow_up(None))
        customer_menu.addAction(self.follow_up_action)

        go_menu = self.menuBar().addMenu("&Go")
        self.find_action = QAction("&Find customer", self)
        self.find_action.setShortcuts(
            [QKeySequence("Ctrl+K"), QKeySequence(QKeySequence.StandardKey.Find)])
        self.find_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.find_action.triggered.connect(self.focus_search)
        go_menu.addAction(self.find_action)
        self.today_action = QAction("&Today", self)
        self.today_action.setShortcut(QKeySequence("Ctrl+T"))
        self.today_action.triggered.connect(self.show_today)
        go_menu.addAction(self.today_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, APP_NAME, f"<b>{APP_NAME}</b> {__version__}<br>Remember every customer."))
        help_menu.addAction(about)

    # ---- navigation --------------------------------------------------------------------------

    def _navigate(self, row: int) -> None:
        pages: dict[str, Callable[[], None]] = {
            "Today": self.show_today, "Customers": self.show_list,
            "Queries": self.show_queries, "Tally": self.show_tally,
            "Orders": self.show_orders, "Invoices": self.show_invoices,
            "Products": self.show_products,
            "Trash": self.show_trash}
        pages[NAV_ITEMS[row]]()

    def _select_nav(self, name: str) -> None:
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(NAV_ITEMS.index(name))
        self.nav.blockSignals(False)

    def show_queries(self) -> None:
        self.query_model.refresh()
        self._update_query_badge()
        self.stack.setCurrentWidget(self.queries_page)
        self._select_nav("Queries")
        self.queries_page.table.setFocus()

    def show_tally(self) -> None:
        self.tally_page.refresh()
        self.stack.setCurrentWidget(self.tally_page)
        self._select_nav("Tally")

    def _update_query_badge(self) -> None:
        """The navigation says how many queries wait for me, and how many have no owner."""
        counts = attempt(self, lambda: self._services.queries.waiting_counts(
            self._actor.user_id))
        if counts is None:
            return
        mine, unowned = counts[QueryScope.MINE], counts[QueryScope.UNASSIGNED]
        text = "Queries" + (f" ({mine})" if mine else "")
        if unowned:
            text += f" · {unowned} unassigned"
        item = self.nav.item(NAV_ITEMS.index("Queries"))
        item.setText(text)
        self.queries_page.set_unassigned_count(unowned)

    # ---- today and follow-ups ----------------------------------------------------------------

    def _scope(self, everyone: bool = False) -> TodayScope:
        return TodayScope(None if everyone else self._actor.user_id)

    def start_day(self) -> None:
        """The start page, with whatever fell due while the app was closed shown, not lost."""
        missed = self._claim_reminders()
        if missed:
            self.today_page.show_missed(missed)
            self._announce("Fell due while CRM Desktop was closed", missed)
        self.show_today()
        self.reminder_timer.start()

    def show_today(self) -> None:
        self.refresh_today()
        self.stack.setCurrentWidget(self.today_page)
        self._select_nav("Today")
        self.today_page.tree.setFocus()

    def _look_for_suggestions(self) -> None:
        """Dates coming up and customers gone quiet are looked for at start and then once
        an hour (deliveries and resolved queries make theirs at once)."""
        now = self._services.clock()
        if self._suggested_at is not None and now - self._suggested_at < SUGGEST_EVERY:
            return
        try:
            self._services.follow_ups.refresh_suggestions(self._actor)
        except CrmError as exc:
            log.warning("could not look for suggestions: %s", exc)
            return
        self._suggested_at = now

    def refresh_today(self) -> None:
        self._look_for_suggestions()
        everyone = self.today_page.everyone
        day = attempt(self, lambda: self._services.follow_ups.today(self._scope(everyone)))
        if day is None:
            return
        self.today_page.show_day(day)
        self._set_today_badge(day if not everyone else None)

    def _set_today_badge(self, mine: TodayView | None = None) -> None:
        """The navigation says how many follow-ups are mine to do today (overdue included)."""
        if mine is not None:
            due = mine.overdue.total + mine.due_today.total
        else:
            try:
                due = self._services.follow_ups.due_count(self._scope())
            except CrmError as exc:
                log.warning("could not count today's follow-ups: %s", exc)
                return
        item = self.nav.item(NAV_ITEMS.index("Today"))
        item.setText("Today" + (f" ({due})" if due else ""))

    def _claim_reminders(self) -> list[FollowUpView]:
        # Runs on a timer: a busy or unreachable database is logged and tried next minute,
        # never a dialog every minute.
        try:
            return self._services.follow_ups.claim_reminders(self._scope(), self._actor)
        except CrmError as exc:
            log.warning("could not look for due follow-ups: %s", exc)
            return []

    def check_reminders(self) -> list[FollowUpView]:
        """A follow-up that has fallen due is announced once: tray message and badge."""
        due = self._claim_reminders()
        if due:
            self._announce("Follow-up due" if len(due) == 1 else f"{len(due)} follow-ups due",
                           due)
        if self.stack.currentWidget() is self.today_page and due:
            self.refresh_today()
        else:
            self._set_today_badge()
        return due

    def _announce(self, title: str, items: list[FollowUpView]) -> None:
        text = "; ".join(f"{i.customer_name}: {i.purpose}" for i in items[:3])
        if len(items) > 3:
            text += f"; and {len(items) - 3} more"
        self.last_reminder = (title, text)
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15_000)
        self.statusBar().showMessage(f"{title}: {text}", 30_000)
        QApplication.alert(self)

    def _make_tray(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None  # the badge and the status bar still say it
        icon = QApplication.windowIcon()
        tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self)
        tray.setToolTip(APP_NAME)
        tray.messageClicked.connect(self._back_from_tray)
        tray.activated.connect(lambda _reason: self._back_from_tray())
        if not icon.isNull():
            tray.show()
        return tray

    def _back_from_tray(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.show_today()

    def schedule_follow_up(self, customer_id: int | None, *,
                           source: tuple[str, int] | None = None,
                           purpose: str = "") -> FollowUpDialog | None:
        customer = self._customer_choice(customer_id if customer_id is not None
                                         else self._current_customer_id())
        if customer is None:
            self.statusBar().showMessage("Open a customer first, then schedule their "
                                         "follow-up.", 5000)
            return None
        dialog = FollowUpDialog(self._services.follow_ups, self._actor, customer=customer,
                                users=self._users, clock=self._services.clock, source=source,
                                purpose=purpose, parent=self)
        return self._open_follow_up_dialog(dialog, lambda: "Follow-up scheduled")

    def change_follow_up(self, item: FollowUpView) -> FollowUpDialog:
        suggested = item.state.value == "suggested"
        dialog = FollowUpDialog(self._services.follow_ups, self._actor,
                                customer=(item.customer_id, item.customer_name),
                                users=self._users, clock=self._services.clock, existing=item,
                                accept=suggested, parent=self)
        return self._open_follow_up_dialog(
            dialog, lambda: "Suggestion accepted" if suggested else "Follow-up changed")

    def complete_follow_up(self, item: FollowUpView) -> CompleteDialog:
        dialog = CompleteDialog(self._services.follow_ups, self._actor, item, self)

        def message() -> str:
            following = dialog.following
            if following is None:
                return f"Done: {item.customer_name}"
            return (f"Done: {item.customer_name}. The next one is due "
                    f"{self._formatter.date(following.due_at)}")
        return self._open_follow_up_dialog(dialog, message)

    def snooze_follow_up(self, item: FollowUpView) -> SnoozeDialog:
        dialog = SnoozeDialog(self._services.follow_ups, self._actor, item,
                              clock=self._services.clock, formatter=self._formatter,
                              parent=self)
        return self._open_follow_up_dialog(dialog, lambda: "Snoozed until " + (
            self._formatter.date_time(dialog.saved.due_at) if dialog.saved else ""))

    def reassign_follow_up(self, item: FollowUpView) -> ReassignDialog:
        dialog = ReassignDialog(self._services.follow_ups, self._actor, item,
                                users=self._users, parent=self)
        return self._open_follow_up_dialog(dialog, lambda: "Handed over to " + (
            dialog.saved.assignee_name if dialog.saved else ""))

    def cancel_follow_up(self, item: FollowUpView) -> CancelDialog:
        dialog = CancelDialog(self._services.follow_ups, self._actor, item, self)
        return self._open_follow_up_dialog(dialog, lambda: "Follow-up cancelled")

    def accept_suggestion(self, item: FollowUpView) -> None:
        if attempt(self, lambda: self._services.follow_ups.accept(
                item.id, item.version, self._actor)) is not None:
            self._follow_ups_changed(f"Accepted: {item.purpose}")
        else:
            self.refresh_today()

    def dismiss_suggestion(self, item: FollowUpView) -> None:
        if attempt(self, lambda: self._services.follow_ups.dismiss(
                item.id, item.version, self._actor)) is not None:
            self._follow_ups_changed("Dismissed: it will not be suggested again")
        else:
            self.refresh_today()

    def _open_follow_up_dialog(self, dialog: DialogT, message: Callable[[], str]) -> DialogT:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._follow_ups_changed(message()))
        dialog.open()
        return dialog

    def _follow_ups_changed(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)
        self.customer_model.refresh()  # its "next follow-up" column
        if self.stack.currentWidget() is self.today_page:
            self.refresh_today()
            return
        self._set_today_badge()
        if self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            self.open_customer(self.profile.customer.id)

    def export_follow_ups(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export my follow-ups", "follow-ups.ics", "iCalendar files (*.ics)")
        if not path:
            return
        items = attempt(self, lambda: self._services.follow_ups.open_for_export(
            TodayScope(self._actor.user_id, include_unassigned=False)))
        if items is None:
            return
        data = follow_ups_to_ics(items, shop_name=self.windowTitle().split(" — ")[0],
                                 now=self._services.clock())
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(self, "Not exported", f"Could not write {path}: "
                                                      f"{exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"Exported {len(items)} follow-ups to {path}", 8000)

    # ---- queries and feedback ----------------------------------------------------------------

    def _customer_choice(self, customer_id: int | None) -> tuple[int, str] | None:
        """The customer's id and name for a dialog, without a query if the profile shows them."""
        if customer_id is None:
            return None
        shown = self.profile.customer
        if shown is not None and shown.id == customer_id:
            return (customer_id, shown.display_name)
        customer = attempt(self, lambda: self._services.customers.get(customer_id))
        return (customer_id, customer.display_name) if customer is not None else None

    def log_query(self, customer_id: int | None) -> LogQueryDialog:
        dialog = LogQueryDialog(self._services.queries, self._services.customer_list,
                                self._actor, users=self._users, formatter=self._formatter,
                                clock=self._services.clock,
                                customer=self._customer_choice(customer_id), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._query_logged(dialog, result))
        dialog.open()
        return dialog

    def _query_logged(self, dialog: LogQueryDialog, result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._queries_changed()
            self.statusBar().showMessage(
                f"Query logged for {dialog.saved.customer_name}, owned by "
                f"{dialog.saved.owner_name}", 5000)

    def open_query(self, query_id: int) -> QueryDialog | None:
        query = attempt(self, lambda: self._services.queries.get(query_id))
        if query is None:
            return None
        dialog = QueryDialog(self._services.queries, self._actor, query, users=self._users,
                             formatter=self._formatter, clock=self._services.clock,
                             parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda _id: self._queries_changed())
        dialog.open_customer.connect(self.open_customer)
        dialog.follow_up.connect(lambda cid, qid: self.schedule_follow_up(
            cid, source=("query", qid), purpose=f"Check it stayed solved: {query.subject}"))
        dialog.open()
        return dialog

    def _queries_changed(self) -> None:
        self.query_model.refresh()
        self.customer_model.refresh()
        self._update_query_badge()
        if self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            self.open_customer(self.profile.customer.id)

    def record_feedback(self, customer_id: int | None,
                        kind: FeedbackKind = FeedbackKind.COMPLAINT) -> FeedbackDialog:
        dialog = FeedbackDialog(self._services.feedback, self._actor,
                                customers=self._services.customer_list,
                                orders=self._services.order_list,
                                invoices=self._services.invoice_list, formatter=self._formatter,
                                clock=self._services.clock,
                                customer=self._customer_choice(customer_id), kind=kind,
                                parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._feedback_recorded)
        dialog.open()
        return dialog

    def _feedback_recorded(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            return
        self.statusBar().showMessage("Recorded", 5000)
        if self.stack.currentWidget() is self.tally_page:
            self.tally_page.refresh()
        elif self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            self.open_customer(self.profile.customer.id)

    def edit_categories(self) -> CategoriesDialog:
        dialog = CategoriesDialog(self._services.feedback, self._actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.tally_page.refresh())
        dialog.open()
        return dialog

    def show_trash(self) -> None:
        self.trash_page.show_rows(self._services.customers.trash(), self._formatter)
        self.stack.setCurrentWidget(self.trash_page)
        self._select_nav("Trash")

    def show_orders(self) -> None:
        self.order_model.refresh()
        self.stack.setCurrentWidget(self.orders_page)
        self._select_nav("Orders")

    def show_customer_orders(self, customer_id: int) -> None:
        """What has this customer ordered before? The order list, for them only."""
        name = self.profile.customer.display_name if self.profile.customer else ""
        self.orders_page.show_customer((customer_id, name))
        self.show_orders()

    def show_products(self) -> None:
        self.products_page.show_products(
            self._services.orders.products(
                include_retired=self.products_page.show_retired.isChecked()),
            self._formatter)
        self.stack.setCurrentWidget(self.products_page)
        self._select_nav("Products")

    def edit_product(self, product_id: int | None) -> None:
        existing = (attempt(self, lambda: self._services.orders.product(product_id))
                    if product_id is not None else None)
        if product_id is not None and existing is None:
            return
        dialog = ProductDialog(self._services.orders, self._actor, self._formatter, existing,
                               self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.show_products())
        dialog.open()

    def new_order(self, customer_id: int) -> OrderDialog | None:
        customer = self._customer_choice(customer_id)
        return self._order_dialog(customer, None) if customer is not None else None

    def open_order(self, order_id: int) -> OrderDialog | None:
        order = attempt(self, lambda: self._services.orders.get(order_id))
        if order is None:
            return None
        return self._order_dialog((order.customer_id, order.customer_name), order)

    def _order_dialog(self, customer: tuple[int, str], order: OrderView | None) -> OrderDialog:
        dialog = OrderDialog(self._services.orders, self._actor, self._formatter,
                             customer=customer, order=order, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._order_changed)
        dialog.open_order.connect(self.open_order)
        dialog.follow_up.connect(lambda cid, oid: self.schedule_follow_up(
            cid, source=("order", oid), purpose=f"Check they're happy with order {oid}"))
        dialog.invoice.connect(self.invoice_order)
        dialog.open()
        return dialog

    # ---- invoices ----------------------------------------------------------------------------

    def show_invoices(self) -> None:
        self.invoice_model.refresh()
        self.stack.setCurrentWidget(self.invoices_page)
        self._select_nav("Invoices")

    def new_invoice(self, customer_id: int | None) -> NewInvoiceDialog | None:
        customer = None
        if customer_id is not None:
            customer = self._customer_choice(customer_id)
            if customer is None:
                return None
        dialog = NewInvoiceDialog(self._services.invoices, self._services.customer_list,
                                  self._actor, self._formatter, customer=customer, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._invoice_created(dialog.created))
        dialog.open()
        return dialog

    def invoice_order(self, customer_id: int, order_id: int) -> InvoiceWindow | None:
        """From an order: a draft invoice for what of it was delivered, not yet invoiced."""
        draft = attempt(self, lambda: self._services.invoices.draft_from_orders(
            customer_id, [order_id], self._actor))
        return self._invoice_created(draft)

    def _invoice_created(self, invoice: InvoiceView | None) -> InvoiceWindow | None:
        if invoice is None:
            return None
        self._invoice_changed(invoice.id)
        return self.open_invoice(invoice.id)

    def open_invoice(self, invoice_id: int) -> InvoiceWindow | None:
        invoice = attempt(self, lambda: self._services.invoices.get(invoice_id))
        if invoice is None:
            return None
        window = InvoiceWindow(self._services.invoices, self._actor, self._formatter, invoice,
                               self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.changed.connect(self._invoice_changed)
        window.open_invoice.connect(self.open_invoice)
        window.open_customer.connect(self.open_customer)
        window.follow_up.connect(lambda cid, iid: self.schedule_follow_up(
            cid, source=("invoice", iid), purpose=f"Follow up {window.invoice.title}"))
        window.open()
        return window

    def _invoice_changed(self, _invoice_id: int) -> None:
        self.invoice_model.refresh()
        if self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            self.open_customer(self.profile.customer.id)

    def print_unprinted(self, printer: QPrinter | None = None) -> BatchPrint | None:
        """Every issued invoice nobody has printed yet, through the print dialog once."""
        waiting = attempt(self, self._services.invoices.unprinted)
        if not waiting:
            if waiting is not None:
                QMessageBox.information(self, "Nothing to print",
                                        "Every issued invoice has been printed.")
            return None
        chosen = printer or choose_printer(self, f"Print {len(waiting):,} invoice(s)")
        if chosen is None:
            return None
        self.batch_print = run_batch(self._services.invoices, self._actor, waiting,
                                     printer=chosen, parent=self, on_done=self._batch_printed)
        return self.batch_print

    def _batch_printed(self, printed: int, error: str) -> None:
        self.batch_print = None
        self._invoice_changed(0)
        self.statusBar().showMessage(f"Printed {printed:,} invoice(s)", 8000)
        if error:
            QMessageBox.warning(self, "Printing stopped",
                                f"{error}\n\n{printed:,} invoice(s) were printed and marked; "
                                "the rest are still waiting.")

    def _order_changed(self, _order_id: int) -> None:
        self.order_model.refresh()
        self.customer_model.refresh()
        if self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            self.open_customer(self.profile.customer.id)

    def restore_customers(self, customer_ids: list[int]) -> None:
        restored = attempt(self, lambda: self._services.customers.restore_many(customer_ids,
                                                                                self._actor))
        if restored is None:
            return
        self.customer_model.refresh()
        self.show_trash()
        self.statusBar().showMessage(f"Restored {restored:,} customer(s)", 5000)

    def purge_customers(self, customer_ids: list[int]) -> None:
        answer = QMessageBox.question(
            self, "Purge for good?",
            f"Delete {len(customer_ids):,} customer(s) and their notes and history for good? "
            "This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        purged = attempt(self, lambda: self._services.customers.purge(customer_ids, self._actor))
        if purged is None:
            return
        self.show_trash()
        kept = len(customer_ids) - purged
        note = f"; kept {kept:,} with orders or invoices" if kept else ""
        self.statusBar().showMessage(f"Purged {purged:,} customer(s){note}", 8000)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.customers_page)
        self._select_nav("Customers")
        self.customers_page.table.setFocus()

    def focus_search(self) -> None:
        self.show_list()
        self.customers_page.focus_search()

    def open_customer(self, customer_id: int) -> None:
        customer = attempt(self, lambda: self._services.customers.get(customer_id))
        if customer is None:
            self.customer_model.refresh()  # gone meanwhile: the list should say so too
            return
        self._show_profile(customer)

    def _show_profile(self, customer: CustomerDetail) -> None:
        self.profile.show_customer(customer)
        ratings = attempt(self, lambda: self._services.feedback.ratings(customer.id))
        if ratings is not None:
            self.profile.show_ratings(ratings)
        self.stack.setCurrentWidget(self.profile)
        self.profile.edit_button.setFocus()

    # ---- actions -------------------------------------------------------------------------

    def new_customer(self) -> CustomerFormDialog:
        return self._open_form(None)

    def edit_customer(self, customer_id: int) -> CustomerFormDialog | None:
        existing = attempt(self, lambda: self._services.customers.get(customer_id))
        return self._open_form(existing) if existing is not None else None

    def _open_form(self, existing: CustomerDetail | None) -> CustomerFormDialog:
        dialog = CustomerFormDialog(self._services.customers, self._actor,
                                    self._services.users.list_active(), existing, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._form_closed(dialog, result))
        dialog.open_existing.connect(self.open_customer)
        dialog.open()
        return dialog

    def _refresh_choices(self) -> None:
        self._users = self._services.users.list_active()
        self.customers_page.set_choices(self._services.customers.all_tags(), self._users)

    def _form_closed(self, dialog: CustomerFormDialog, result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._refresh_choices()
            self.customer_model.refresh()
            self._show_profile(dialog.saved)
            self.statusBar().showMessage(f"Saved {dialog.saved.display_name}", 5000)

    def edit_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self._services.settings, self._actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._settings_closed(dialog, result))
        dialog.open()
        return dialog

    def edit_users(self) -> UsersDialog:
        dialog = UsersDialog(self._services.users, self._actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._users_changed())
        dialog.open()
        return dialog

    def _users_changed(self) -> None:
        self._refresh_choices()
        self._queries_changed()  # someone switched off hands their queries over

    def _settings_closed(self, dialog: SettingsDialog, result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            saved = dialog.saved
            self.setWindowTitle(f"{saved.shop_name} — {APP_NAME}")
            self.set_formatter(Formatter(locale=saved.locale, currency=saved.currency))
            self.statusBar().showMessage("Settings saved", 5000)

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter
        self.customer_model.set_formatter(formatter)
        self.order_model.set_formatter(formatter)
        self.query_model.set_formatter(formatter)
        self.tally_page.set_formatter(formatter)
        self.today_page.set_formatter(formatter)
        self.refresh_today()
        self.profile.set_formatter(formatter)
        if self.profile.customer is not None:
            self.profile.show_customer(self.profile.customer)

    def _page_changed(self) -> None:
        on_profile = self.stack.currentWidget() is self.profile
        self.log_action.setEnabled(on_profile)
        self.note_action.setEnabled(on_profile)

    def _current_customer_id(self) -> int | None:
        if self.stack.currentWidget() is self.profile and self.profile.customer is not None:
            return self.profile.customer.id
        return None

    def _log_current(self) -> None:
        customer_id = self._current_customer_id()
        if customer_id is not None:
            self.log_contact(customer_id)

    def _note_current(self) -> None:
        customer_id = self._current_customer_id()
        if customer_id is not None:
            self.add_note(customer_id)

    def log_contact(self, customer_id: int) -> LogContactDialog:
        name = self.profile.customer.display_name if self.profile.customer else ""
        dialog = LogContactDialog(self._services.timeline, self._actor, customer_id=customer_id,
                                  customer_name=name, clock=self._services.clock, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._contact_logged(customer_id, result))
        dialog.open()
        return dialog

    def _contact_logged(self, customer_id: int, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            self.customer_model.refresh()
            self.open_customer(customer_id)
            self.statusBar().showMessage("Contact logged", 5000)

    def add_note(self, customer_id: int) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self, "Add a personal note",
            "What should everyone remember? (It is pinned to the banner; unpin it later.)")
        if ok and text.strip():
            self._run_profile_action(
                lambda: self._services.customers.add_note(customer_id, text, self._actor))

    def pin_note(self, note_id: int, pinned: bool) -> None:
        self._run_profile_action(
            lambda: self._services.customers.set_note_pinned(note_id, pinned, self._actor))

    def delete_note(self, note_id: int) -> None:
        answer = QMessageBox.question(self, "Delete note?", "Delete this note for good?",
                                      QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self._run_profile_action(
                lambda: self._services.customers.delete_note(note_id, self._actor))

    def _run_profile_action(self, action: Callable[[], CustomerDetail]) -> None:
        customer = attempt(self, action)
        if customer is not None:
            self._show_profile(customer)

    def bulk_change(self, kind: str) -> None:
        ids = self.customers_page.selected_ids()
        if kind == "merge":
            if len(ids) == 2:
                self.merge_customers(*ids)
            return
        if not ids:
            return
        who = f"{len(ids):,} selected customer{'s' if len(ids) > 1 else ''}"
        change = self._ask_bulk_change(kind, who)
        if change is None:
            return
        changed = attempt(self, lambda: self._services.customers.bulk_change(ids, change,
                                                                              self._actor))
        if changed is None:
            return
        self._refresh_choices()
        self.customer_model.refresh()
        self.statusBar().showMessage(f"Changed {changed:,} customers", 5000)

    def _ask_bulk_change(self, kind: str, who: str) -> BulkChange | None:
        if kind in ("add_tag", "remove_tag"):
            adding = kind == "add_tag"
            tag, ok = QInputDialog.getItem(
                self, "Add a tag" if adding else "Remove a tag",
                f"Tag to {'add to' if adding else 'remove from'} {who}:",
                self._services.customers.all_tags(), 0, adding)
            if not ok or not tag.strip():
                return None
            return BulkChange(add_tag=tag) if adding else BulkChange(remove_tag=tag)
        if kind == "owner":
            names = [u.display_name for u in self._users]
            name, ok = QInputDialog.getItem(self, "Change owner", f"Who looks after {who}?",
                                            names, 0, False)
            return BulkChange(owner_id=self._users[names.index(name)].id) if ok else None
        labels = [STATUS_LABELS[s] for s in SETTABLE_STATUSES]
        label, ok = QInputDialog.getItem(self, "Change status", f"New status for {who}:",
                                         labels, 0, False)
        if not ok:
            return None
        status = SETTABLE_STATUSES[labels.index(label)]
        reason = ""
        if status is CustomerStatus.LOST:
            reason, ok = QInputDialog.getText(self, "Why lost?", f"Why were {who} lost?")
            if not ok:
                return None
        return BulkChange(status=status, lost_reason=reason)

    def merge_customers(self, first_id: int, second_id: int) -> None:
        pair = attempt(self, lambda: (self._services.customers.get(first_id),
                                      self._services.customers.get(second_id)))
        if pair is None:
            return
        first, second = pair
        choices = [f"{c.display_name} ({c.number})" for c in (first, second)]
        chosen, ok = QInputDialog.getItem(
            self, "Merge two customers",
            "Keep which one? Everything the other has moves over to it, and the other goes to "
            "the trash.", choices, 0, False)
        if not ok:
            return
        keep, duplicate = (first, second) if chosen == choices[0] else (second, first)
        merged = attempt(self, lambda: self._services.customers.merge(keep.id, duplicate.id,
                                                                       self._actor))
        if merged is None:
            return
        self.customer_model.refresh()
        self._show_profile(merged)
        self.statusBar().showMessage(f"Merged {duplicate.display_name} into "
                                     f"{keep.display_name}", 8000)

    def delete_customer(self, customer_id: int, version: int) -> None:
        name = self.profile.customer.display_name if self.profile.customer else "this customer"
        answer = QMessageBox.question(
            self, "Delete customer?",
            f"Move {name} to the trash? The owner can restore them for 30 days.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        deleted = attempt(self, lambda: self._services.customers.delete(customer_id, version,
                                                                         self._actor))
        if deleted is None:
            return
        self.customer_model.refresh()
        self.show_list()
        self.statusBar().showMessage(f"Moved {name} to the trash", 5000)

    # ---- state ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        save_geometry(self._ui_state, "main_window", self)
        save_splitter(self._ui_state, "main_window", self.splitter)
        save_splitter(self._ui_state, "profile", self.profile.splitter)
        self.customers_page.save_state()
        self._ui_state.sync()
        event.accept()
