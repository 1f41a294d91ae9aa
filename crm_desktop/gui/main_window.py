"""The main window is a shell: navigation on the left, the current page on the right, the
menus, the status bar and the tray. Each capability's controller owns its pages and actions;
this window places their pages, routes the menus to them and connects one capability's
requests ("open this customer", "follow this up") to the capability that serves them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import APP_NAME, __version__
from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import Formatter
from crm_desktop.gui.admin.controller import AdminController
from crm_desktop.gui.admin.desk_lock import DeskLock
from crm_desktop.gui.backups.controller import BackupsController
from crm_desktop.gui.customers.controller import CustomersController
from crm_desktop.gui.feedback.controller import FeedbackController
from crm_desktop.gui.follow_ups.controller import FollowUpsController
from crm_desktop.gui.invoices.controller import InvoicesController
from crm_desktop.gui.mailing.controller import MailingController
from crm_desktop.gui.orders.controller import OrdersController
from crm_desktop.gui.queries.controller import QueriesController
from crm_desktop.gui.reports.controller import ReportsController
from crm_desktop.gui.shared.access import Access
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, Operations
from crm_desktop.gui.shared.other_desks import OtherDesks
from crm_desktop.gui.shared.palette import LOOKING_INSIDE
from crm_desktop.gui.shared.ui_state import (
    restore_geometry,
    restore_splitter,
    save_geometry,
    save_splitter,
)
from crm_desktop.gui.sharing.controller import SharingController
from crm_desktop.gui.transfer.controller import TransferController
from crm_desktop.models import Role
from crm_desktop.paths import AppPaths
from crm_desktop.permissions import ROLE_LABELS, Permission
from crm_desktop.services.admin.audit_service import AuditService
from crm_desktop.services.admin.backup_service import (
    BackupService,
    BackupView,
    PreparedRestore,
)
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import CustomerService
from crm_desktop.services.customers.personal_data import PersonalDataService
from crm_desktop.services.customers.retention import RetentionService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpService
from crm_desktop.services.invoices.invoice_list_service import InvoiceListService
from crm_desktop.services.invoices.invoice_service import InvoiceService
from crm_desktop.services.mailing.letter_service import LetterService
from crm_desktop.services.mailing.mailing_service import MailingService
from crm_desktop.services.orders.order_list_service import OrderListService
from crm_desktop.services.orders.order_service import OrderService
from crm_desktop.services.queries.query_service import QueryService
from crm_desktop.services.reports.report_service import ReportService
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.import_service import ImportService
from crm_desktop.services.transfer.shop_archive import ShopArchiveService
from crm_desktop.storage.change_feed import ChangeFeed

log = logging.getLogger(__name__)

# How long a desk waits, without a key or a click, before it locks itself (a setting of each
# desk, File → Lock when idle…).
IDLE_KEY = "desk/idle_lock_minutes"
DESK_IDLE_MINUTES = 10
OWNER_IDLE_MINUTES = 30

# Under a backup's window, opened beside the shop's own.
BACKUP_WINDOW_NOTE = ("Nothing here can be changed, and the shop itself is as it was: close "
                      "this window to go back to it.")
OFFLINE_TEXT = ("⚠ The shared database cannot be reached: trying again every second. "
                "Nothing you typed is lost; save again once it is back.")
READ_ONLY_TIP = "A backup opened to look inside: nothing in it can be changed."

NAV_ITEMS = ("Today", "Customers", "Queries", "Tally", "Reports", "Orders", "Invoices",
             "Products", "Trash")


@dataclass(frozen=True)
class Services:
    """What the main window hands out: each controller receives only the services it uses."""

    customers: CustomerService
    customer_list: CustomerListService
    personal_data: PersonalDataService
    consent: ConsentService
    retention: RetentionService
    users: UserService
    settings: SettingsService
    mailing: MailingService
    letters: LetterService
    timeline: TimelineService
    orders: OrderService
    order_list: OrderListService
    invoices: InvoiceService
    invoice_list: InvoiceListService
    queries: QueryService
    feedback: FeedbackService
    follow_ups: FollowUpService
    imports: ImportService
    exports: ExportService
    archive: ShopArchiveService
    audit: AuditService
    reports: ReportService
    backups: BackupService
    clock: Clock
    # What the other desks save, as it is committed (None: a backup looked inside).
    change_feed: ChangeFeed | None = None
    # Sharing the shop, connecting to a shared one (None: a backup looked inside).
    sharing: SharingService | None = None
    paths: AppPaths | None = None


def _sharing_controller(desk: Desk, services: Services) -> SharingController | None:
    if services.sharing is None or services.paths is None:
        return None  # a backup looked inside is shared with no one
    return SharingController(desk, services.sharing, services.paths, services.customer_list)


class MainWindow(QMainWindow):
    switch_requested = Signal()  # the person asked to hand the desk to someone else
    closed = Signal()  # the window has closed, its workers finished

    def __init__(self, services: Services, *, actor: Actor, role: Role, formatter: Formatter,
                 ui_state: QSettings, database_label: str, shop_name: str,
                 looking_inside: str | None = None,
                 looking_inside_note: str = BACKUP_WINDOW_NOTE,
                 open_backup: Callable[[MainWindow, BackupView], object] | None = None
                 ) -> None:
        """``looking_inside``: this window shows a backup opened read only (the words say
        which: "the backup taken …"), beside the shop's own window."""
        super().__init__()
        self._ui_state = ui_state
        self._shop_name = shop_name
        self.looking_inside, self._looking_inside_note = looking_inside, looking_inside_note
        self._open_backup = open_backup  # shows a backup looked inside beside this window
        self.access = Access(role, refusal=looking_inside and READ_ONLY_TIP)
        # switching: the person asked to hand the desk over; reopen: the shop moved (shared,
        # connected to, left), and the app opens it again where it is now.
        self.switching = self.reopen = False
        # A restore made ready here, for the app to put in place once this window is closed.
        self.restore_prepared: PreparedRestore | None = None
        # Backups opened read only from this window, closed with it (and when it locks).
        self.backup_windows: list[MainWindow] = []
        self._set_title()
        self.resize(1200, 760)

        self.desk_lock = self._make_lock(services.users, actor, role)
        self.ops = Operations(self)
        self.ops.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.background = Background(self)
        desk = Desk(actor=actor, access=self.access, formatter=formatter, clock=services.clock,
                    ops=self.ops, shell=self, users=services.users, background=self.background)
        self.desk = desk
        self.stack = QStackedWidget()
        self.nav = QListWidget()
        self._nav_pages: list[QWidget] = []
        self._shows: list[Callable[[], None]] = []

        self.customers = CustomersController(
            desk, services.customers, customer_list=services.customer_list,
            timeline=services.timeline, feedback=services.feedback,
            personal_data=services.personal_data, consent=services.consent,
            retention=services.retention,
            ui_state=ui_state)
        self.follow_ups = FollowUpsController(desk, services.follow_ups)
        self.queries = QueriesController(desk, services.queries, services.customer_list)
        self.feedback = FeedbackController(desk, services.feedback, services.customer_list,
                                           services.order_list, services.invoice_list)
        self.orders = OrdersController(desk, services.orders, services.order_list)
        self.invoices = InvoicesController(desk, services.invoices, services.invoice_list,
                                           services.customer_list, mailing=services.mailing,
                                           settings=services.settings)
        self.admin = AdminController(desk, services.settings, services.users, services.audit)
        self.transfer = TransferController(
            desk, services.imports, exports=services.exports, archive=services.archive,
            customer_list=services.customer_list, ui_state=ui_state)
        self.backups = BackupsController(desk, services.backups)
        self.mailing = MailingController(desk, services.mailing, services.settings,
                                         services.customer_list, letters=services.letters)
        self.reports = ReportsController(desk, services.reports, services.settings)
        self.sharing = _sharing_controller(desk, services)
        self.controllers: tuple[Controller, ...] = (
            self.customers, self.follow_ups, self.queries, self.feedback, self.orders,
            self.invoices, self.admin, self.transfer, self.backups, self.mailing, self.reports,
            *((self.sharing,) if self.sharing is not None else ()))
        for controller in self.controllers:  # deleted with the window, timers and all
            controller.setParent(self)

        pages: tuple[tuple[QWidget, Callable[[], None]], ...] = (  # in NAV_ITEMS' order
            (self.follow_ups.today_page, self.follow_ups.show_today),
            (self.customers.list_page, self.customers.show_list),
            (self.queries.page, self.queries.show_queries),
            (self.feedback.tally_page, self.feedback.show_tally),
            (self.reports.page, self.reports.show_reports),
            (self.orders.page, self.orders.show_orders),
            (self.invoices.page, self.invoices.show_invoices),
            (self.orders.products_page, self.orders.show_products),
            (self.customers.trash_page, self.customers.show_trash))
        for name, (page, show) in zip(NAV_ITEMS, pages, strict=True):
            self.nav.addItem(name)
            self._nav_pages.append(page)
            self._shows.append(show)
            self.stack.addWidget(page)
        self.stack.addWidget(self.customers.profile)
        self.nav.setCurrentRow(0)
        self.nav.setMaximumWidth(220)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([160, 1040])
        self.setCentralWidget(self._with_banner(self.splitter))

        self._build_menus()
        self.statusBar().addPermanentWidget(self.backups.status_widget)
        role_label = ROLE_LABELS[role].split(" (")[0]
        self.statusBar().addPermanentWidget(QLabel(
            f"Signed in as {actor.display_name} ({role_label})" if looking_inside is None
            else "Read only"))
        if looking_inside is None:
            self.statusBar().addPermanentWidget(QLabel(f"Database: {database_label}"))
        self._connect_capabilities()
        self.nav.currentRowChanged.connect(lambda row: self._shows[row]())
        self.stack.currentChanged.connect(self._page_changed)
        self._page_changed()

        self.queries.update_badge()
        restore_geometry(ui_state, "main_window", self)
        restore_splitter(ui_state, "main_window", self.splitter)
        if looking_inside is None:
            self.tray = self._make_tray()
            self.follow_ups.start_day()
        else:  # a backup's follow-ups remind no one: the shop's own window does that
            self.tray = None
            self.follow_ups.show_today()
            for action in (self.switch_action, self.backups_action, self.password_action,
                           self.lock_action, self.idle_action):
                action.setVisible(False)
            self.quit_action.setText("&Close")
            self.quit_action.setToolTip("Close this backup; the shop's window stays")
        if self.desk_lock is not None:  # a locked desk shows no customer, not even a backup's
            self.desk_lock.locked_changed.connect(self._locked_changed)
        self._watch_other_desks(services.change_feed, services.settings)

    def _watch_other_desks(self, feed: ChangeFeed | None, settings: SettingsService) -> None:
        """What the other desk saves shows here too, through the same signal as our own."""
        self._settings = settings
        self.other_desks: OtherDesks | None = None
        if feed is None:
            return
        self.other_desks = OtherDesks(feed, self.ops, self.background, private=self._locked,
                                      parent=self)
        # Said at once, and kept in sight until the server answers again.
        self.offline_label = QLabel(OFFLINE_TEXT)
        self.offline_label.setObjectName("offline")
        self.offline_label.setStyleSheet("#offline { color: white; background: #b3261e; "
                                         "padding: 2px 8px; border-radius: 3px; }")
        self.offline_label.hide()
        self.statusBar().insertPermanentWidget(0, self.offline_label)
        self.other_desks.reachable.connect(self._reachable)
        self.ops.changed.connect(self._changed_elsewhere)
        self.other_desks.start()

    def _reachable(self, online: bool) -> None:
        self.offline_label.setVisible(not online)

    def _locked(self) -> bool:
        return self.desk_lock is not None and self.desk_lock.locked

    def _changed_elsewhere(self, changes: Changes) -> None:
        """The other desk changed the shop's settings: its name and how money reads."""
        if changes.remote and changes.touches(Change.SETTINGS):
            try:
                self._settings_saved(self._settings.business())
            except Exception:  # the next change or start reads them again
                log.warning("could not read the settings changed elsewhere", exc_info=True)

    def _set_title(self) -> None:
        if self.looking_inside is None:
            self.setWindowTitle(f"{self._shop_name} — {APP_NAME}")
        else:
            self.setWindowTitle(f"{self._shop_name}: {self.looking_inside}, read only — "
                                f"{APP_NAME}")

    def _with_banner(self, content: QWidget) -> QWidget:
        """A backup looked inside says so above everything, in words and in colour."""
        if self.looking_inside is None:
            return content
        banner = QLabel(f"You are looking inside {self.looking_inside}. "
                        f"{self._looking_inside_note}")
        banner.setObjectName("looking_inside_banner")
        banner.setWordWrap(True)
        banner.setStyleSheet(f"background: {LOOKING_INSIDE}; color: black; padding: 8px; "
                             "font-weight: bold;")
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(banner)
        layout.addWidget(content, 1)
        return holder

    def adopt_backup_window(self, window: MainWindow) -> None:
        """Hold ``window`` until it closes. (Connected to a bound method: a closure holding
        either window would keep it alive for ever, its timers running.)"""
        self.backup_windows.append(window)
        window.closed.connect(self._backup_window_closed)

    def _backup_window_closed(self) -> None:
        # Let go once its close is over: the last reference dropped inside its own
        # closeEvent would delete it there.
        QTimer.singleShot(0, self, self._forget_closed_backup_windows)

    def _forget_closed_backup_windows(self) -> None:
        for window in [w for w in self.backup_windows if not w.isVisible()]:
            self.backup_windows.remove(window)
            window.deleteLater()  # as the app deletes the shop's: Qt's connections hold it

    def _open_backup_window(self, view: BackupView) -> None:
        if self._open_backup is None:
            view.close()
            return
        self._open_backup(self, view)

    def _locked_changed(self, locked: bool) -> None:
        if locked:
            self.close_backup_windows()

    def close_backup_windows(self) -> None:
        for window in list(self.backup_windows):
            window.close()

    def _connect_capabilities(self) -> None:
        """Who serves which request: the only place one capability meets another."""
        customers, follow_ups = self.customers, self.follow_ups
        profile = customers.profile
        profile.new_order.connect(self.orders.new_order)
        profile.show_orders.connect(self.orders.show_customer_orders)
        profile.new_invoice.connect(self.invoices.new_invoice)
        profile.open_invoice.connect(self.invoices.open_invoice)
        profile.log_query.connect(self.queries.log_query)
        profile.record_feedback.connect(self.feedback.record_feedback)
        profile.schedule_follow_up.connect(follow_ups.schedule_follow_up)
        profile.follow_up_entry.connect(self._follow_up)
        profile.show_changes.connect(lambda customer_id: self.admin.show_changes(
            customer_id, profile.customer.display_name if profile.customer else ""))
        customers.changes_requested.connect(self.admin.show_changes)
        for controller in (follow_ups, self.queries, self.feedback, self.invoices,
                           self.reports):
            controller.open_customer.connect(customers.open_customer)
        self.reports.open_invoice.connect(self.invoices.open_invoice)
        self.reports.follow_up.connect(self._follow_up_customer)
        for source in (self.orders, self.queries, self.invoices):
            source.follow_up.connect(self._follow_up)
        self.orders.invoice_order.connect(self.invoices.invoice_order)
        customers.list_page.export_requested.connect(self._export_customers)
        customers.list_page.post_requested.connect(self.send_post)
        for writer in (follow_ups, self.feedback, self.invoices, self.reports):
            writer.write_to.connect(self._write_to)
        follow_ups.reminder.connect(self._remind)
        self.admin.settings_saved.connect(self._settings_saved)
        self.invoices.open_settings.connect(self.admin.edit_settings)
        self.backups.restore_ready.connect(self._restore)
        self.backups.view_ready.connect(self._open_backup_window)

    def _export_customers(self) -> None:
        page = self.customers.list_page
        self.transfer.export_customers(page.chosen_filters(), page.selected_ids())

    def send_post(self) -> None:
        """Labels and envelopes: for the customer on screen, the selection or the list."""
        page = self.customers.list_page
        current = self.customers.current_customer_id()
        self.mailing.open_post(page.chosen_filters(), page.selected_ids(),
                               self.customers.customer_choice(current)
                               if current is not None else None)

    def _write_to(self, customer_id: int, template: str) -> None:
        customer = self.customers.customer_choice(customer_id)
        if customer is not None:
            self.mailing.write_to(customer, template)

    def _follow_up(self, customer_id: int, kind: str, source_id: int, purpose: str) -> None:
        self.follow_ups.schedule_follow_up(customer_id, source=(kind, source_id),
                                           purpose=purpose)

    def _follow_up_customer(self, customer_id: int, purpose: str) -> None:
        self.follow_ups.schedule_follow_up(customer_id, purpose=purpose)

    def _build_menus(self) -> None:
        gate = self.access.gate
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setToolTipsVisible(True)
        self.new_action = self._action(file_menu, "&New customer…", self.customers.new_customer,
                                       QKeySequence.StandardKey.New)
        gate(Permission.WORK_WITH_CUSTOMERS, self.new_action)
        self.settings_action = self._action(file_menu, "Shop &settings…",
                                            self.admin.edit_settings,
                                            QKeySequence.StandardKey.Preferences)
        self.letters_action = self._action(file_menu, "The shop's &letters and cards…",
                                           self.mailing.edit_letters)
        self.letters_action.setToolTip("The words of the birthday card, “we miss you” and "
                                       "the shop's other letters")
        gate(Permission.CHANGE_SETTINGS, self.settings_action, self.letters_action)
        self.users_action = self._action(file_menu, "&People who use the app…",
                                         self.admin.edit_users)
        gate(Permission.MANAGE_PEOPLE, self.users_action)
        self.audit_action = self._action(file_menu, "&Audit log…", self.admin.show_audit_log)
        self.audit_action.setToolTip("Every change and sign-in in the shop")
        gate(Permission.READ_AUDIT_LOG, self.audit_action)
        file_menu.addSeparator()
        self.import_action = self._action(file_menu, "&Import customers…",
                                          self.transfer.import_customers)
        self.export_customers_action = self._action(file_menu, "E&xport customers…",
                                                    self._export_customers)
        self.imports_action = self._action(file_menu, "Imports &made…",
                                           self.transfer.show_imports)
        self.export_all_action = self._action(file_menu, "Export the &whole shop…",
                                              self.transfer.export_everything)
        self.export_all_action.setToolTip("Every record, as one documented ZIP of JSON files")
        gate(Permission.IMPORT_CUSTOMERS, self.import_action, self.imports_action)
        gate(Permission.EXPORT_EVERYTHING, self.export_customers_action, self.export_all_action,
             self.customers.list_page.export_button)
        self.export_action = self._action(file_menu, "&Export my follow-ups to a calendar…",
                                          self.follow_ups.export_follow_ups)
        self.export_action.setToolTip("An iCalendar file your phone's calendar can import")
        file_menu.addSeparator()
        self.back_up_action = self._action(file_menu, "&Back up now", self.backups.back_up_now)
        self.back_up_action.setToolTip("A checked backup, here and in the second place")
        self.backups_action = self._action(file_menu, "Bac&kups and restore…",
                                           self.backups.show_backups)
        self.backups_action.setToolTip("The backups made, what each holds; restore one")
        gate(Permission.BACK_UP, self.back_up_action)
        if self.sharing is not None:
            self._sharing_menu(file_menu, self.sharing)
        file_menu.addSeparator()
        self.password_action = self._action(file_menu, "&Change my password…",
                                            self.admin.change_password)
        self.lock_action = self._action(file_menu, "&Lock", self.lock_desk, "Ctrl+Shift+L",
                                        everywhere=True)
        self.lock_action.setToolTip("Hide the customers until your password is typed again")
        self.idle_action = self._action(file_menu, "Lock when &idle…", self.choose_idle_lock)
        self.switch_action = self._action(file_menu, "S&witch person…", self.switch_person)
        for action in (self.password_action, self.lock_action, self.idle_action):
            action.setEnabled(self.desk_lock is not None)
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", self.close,
                                        QKeySequence.StandardKey.Quit)

        customer_menu = self.menuBar().addMenu("&Customer")
        self.log_action = self._action(customer_menu, "&Log a contact…",
                                       self.customers.log_current, "Ctrl+L")
        self.note_action = self._action(customer_menu, "Add a &note…",
                                        self.customers.note_current, "Ctrl+Shift+N")
        customer_menu.addSeparator()
        self.query_action = self._action(
            customer_menu, "Log a &query…",
            lambda: self.queries.log_query(self.customers.current_customer_id()),
            "Ctrl+Shift+Q", everywhere=True)
        self.query_action.setToolTip("From anywhere: who asked, what, and who answers")
        self.feedback_action = self._action(
            customer_menu, "Record a complaint, a win or &feedback…",
            lambda: self.feedback.record_feedback(self.customers.current_customer_id()),
            "Ctrl+Shift+F", everywhere=True)
        self.follow_up_action = self._action(
            customer_menu, "Schedule a follow-&up…",
            lambda: self.follow_ups.schedule_follow_up(self.customers.current_customer_id()),
            "Ctrl+Shift+U")
        self.post_action = self._action(customer_menu, "Letters, cards, labels and en&velopes…",
                                        self.send_post, "Ctrl+Shift+P")
        self.post_action.setToolTip("A letter or card, address labels or envelopes for this "
                                    "customer, the selection or the list")
        customer_menu.addSeparator()
        self.retention_action = self._action(customer_menu, "Customers to &review…",
                                             self.customers.review_retention)
        self.retention_action.setToolTip("Customers we have not heard from for years: erase "
                                         "their personal data or keep them")
        gate(Permission.WORK_WITH_CUSTOMERS, self.log_action, self.note_action)
        gate(Permission.HANDLE_PERSONAL_DATA, self.retention_action)
        gate(Permission.HANDLE_QUERIES, self.query_action, self.feedback_action)
        gate(Permission.FOLLOW_UP, self.follow_up_action)
        gate(Permission.SEND_POST, self.post_action, self.customers.list_page.post_action)

        go_menu = self.menuBar().addMenu("&Go")
        self.find_action = self._action(go_menu, "&Find customer", self.customers.focus_search,
                                        everywhere=True)
        self.find_action.setShortcuts(
            [QKeySequence("Ctrl+K"), QKeySequence(QKeySequence.StandardKey.Find)])
        self.today_action = self._action(go_menu, "&Today", self.follow_ups.show_today,
                                         "Ctrl+T")

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, f"&About {APP_NAME}", lambda: QMessageBox.about(
            self, APP_NAME, f"<b>{APP_NAME}</b> {__version__}<br>Remember every customer."))

    def _sharing_menu(self, file_menu: QMenu, sharing: SharingController) -> None:
        file_menu.addSeparator()
        shared = sharing.link is not None
        self.share_action = self._action(file_menu, "S&hare this shop with another desk…",
                                         sharing.share_shop)
        self.share_action.setToolTip("Make this computer hold the shop for two desks, on a "
                                     "PostgreSQL database, and get the code for the other")
        self.share_action.setVisible(not shared)
        self.access.gate(Permission.SHARE_SHOP, self.share_action)
        self.connect_action = self._action(file_menu, "C&onnect to a shared shop…",
                                           sharing.connect_to_shop)
        self.connect_action.setToolTip("Work on the shop another computer holds, with the "
                                       "code it shows")
        self.own_shop_action = self._action(file_menu, "Use this computer's own shop again…",
                                            sharing.use_own_shop)
        self.own_shop_action.setVisible(shared)
        sharing.reopen_requested.connect(self._reopen)

    def _reopen(self) -> None:
        """Close, so the app opens the shop where it now is and the person signs in there."""
        self.reopen = True
        if not self.close():
            self.reopen = False

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object],
                shortcut: QKeySequence.StandardKey | str | None = None, *,
                everywhere: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if everywhere:
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # ---- the shell, as controllers see it ------------------------------------------------------

    def show_page(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        if page in self._nav_pages:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self._nav_pages.index(page))
            self.nav.blockSignals(False)

    def is_current(self, page: QWidget) -> bool:
        return self.stack.currentWidget() is page

    def set_badge(self, page: QWidget, text: str) -> None:
        self.nav.item(self._nav_pages.index(page)).setText(text)

    def dialog_parent(self) -> QWidget:
        return self

    def shop_name(self) -> str:
        return self._shop_name

    # ---- what the shell itself does ------------------------------------------------------------

    def _page_changed(self) -> None:
        on_profile = self.is_current(self.customers.profile)
        self.log_action.setEnabled(on_profile)
        self.note_action.setEnabled(on_profile)

    def _settings_saved(self, saved: BusinessSettings) -> None:
        self._shop_name = saved.shop_name
        self._set_title()
        self.set_formatter(Formatter(locale=saved.locale, currency=saved.currency))

    def set_formatter(self, formatter: Formatter) -> None:
        self.desk.formatter = formatter
        for controller in self.controllers:
            controller.set_formatter(formatter)

    def _remind(self, title: str, text: str) -> None:
        if self.desk_lock is not None and self.desk_lock.locked:
            text = "Unlock the desk to see it."  # no customer's name over a locked desk
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
        self.follow_ups.show_today()

    # ---- the person at this desk ---------------------------------------------------------------

    def _make_lock(self, users: UserService, actor: Actor, role: Role) -> DeskLock | None:
        if actor.user_id is None:
            return None  # the app itself (the smoke test): no one to lock for
        person = users.get(actor.user_id)
        default = OWNER_IDLE_MINUTES if role is Role.OWNER else DESK_IDLE_MINUTES
        minutes = str(self._ui_state.value(IDLE_KEY, default))
        lock = DeskLock(users, person, idle_minutes=int(minutes) if minutes.isdigit() else default,
                        parent=self)
        lock.switch_requested.connect(self.switch_person)
        return lock

    def lock_desk(self) -> None:
        if self.desk_lock is not None:
            self.desk_lock.lock()

    def choose_idle_lock(self) -> None:
        if self.desk_lock is None:
            return
        minutes, ok = QInputDialog.getInt(
            self, "Lock when idle", "Lock this desk after this many minutes without a key "
            "or a click (0: never):", self.desk_lock.idle_minutes, 0, 240)
        if ok:
            self.desk_lock.set_idle_minutes(minutes)
            self._ui_state.setValue(IDLE_KEY, minutes)
            self.ops.status.emit("Never locks by itself" if not minutes else
                                 f"Locks after {minutes} idle minutes", 5000)

    def _restore(self, prepared: PreparedRestore) -> None:
        """Close, so the app can put the backup in place; if something kept the window
        open, the restore is dropped and nothing changes."""
        self.restore_prepared = prepared
        if not self.close():
            self.restore_prepared = None
            BackupService.cancel_restore(prepared)

    def switch_person(self) -> None:
        """Close this window (asking about anything unsaved, as closing does) and sign in
        again, as someone else."""
        self.switching = True
        if not self.close():
            self.switching = False

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_backup_windows()
        if self.other_desks is not None:
            self.other_desks.stop()
        for controller in self.controllers:
            controller.stop()
        if self.desk_lock is not None:
            self.desk_lock.stop()
        if self.looking_inside is None:  # a backup's window leaves the shop's layout alone
            save_geometry(self._ui_state, "main_window", self)
            save_splitter(self._ui_state, "main_window", self.splitter)
            self.customers.save_state()
            self._ui_state.sync()
        self.background.wait()  # a search still running reads a database about to close
        if self.other_desks is not None:
            self.other_desks.close()
        event.accept()
        self.closed.emit()
