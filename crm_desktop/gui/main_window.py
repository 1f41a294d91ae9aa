"""The main window: navigation on the left, the current page on the right."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
)

from crm_desktop import APP_NAME, __version__
from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import SETTABLE_STATUSES, STATUS_LABELS, Formatter
from crm_desktop.gui.customer_form import CustomerFormDialog
from crm_desktop.gui.customer_list_model import CustomerListModel
from crm_desktop.gui.customer_list_view import CustomersPage
from crm_desktop.gui.customer_profile_view import CustomerProfileView
from crm_desktop.gui.errors import attempt
from crm_desktop.gui.feedback_dialog import CategoriesDialog, FeedbackDialog
from crm_desktop.gui.log_contact_dialog import LogContactDialog
from crm_desktop.gui.order_dialog import OrderDialog
from crm_desktop.gui.orders_page import OrderListModel, OrdersPage
from crm_desktop.gui.product_dialog import ProductDialog
from crm_desktop.gui.products_page import ProductsPage
from crm_desktop.gui.queries_page import QueriesPage, QueryListModel
from crm_desktop.gui.query_dialogs import LogQueryDialog, QueryDialog
from crm_desktop.gui.settings_dialog import SettingsDialog
from crm_desktop.gui.tally_page import TallyPage
from crm_desktop.gui.timeline_model import TimelineModel
from crm_desktop.gui.trash_page import TrashPage
from crm_desktop.gui.ui_state import (
    restore_geometry,
    restore_splitter,
    save_geometry,
    save_splitter,
)
from crm_desktop.gui.users_dialog import UsersDialog
from crm_desktop.models import CustomerStatus, FeedbackKind
from crm_desktop.services.customer_list_service import CustomerListService
from crm_desktop.services.customer_service import BulkChange, CustomerDetail, CustomerService
from crm_desktop.services.feedback_service import FeedbackService
from crm_desktop.services.order_list_service import OrderListService
from crm_desktop.services.order_service import OrderService, OrderView
from crm_desktop.services.query_service import QueryScope, QueryService
from crm_desktop.services.settings_service import SettingsService
from crm_desktop.services.timeline_service import TimelineService
from crm_desktop.services.user_service import UserService

NAV_ITEMS = ("Customers", "Queries", "Tally", "Orders", "Products", "Trash")


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
    queries: QueryService
    feedback: FeedbackService
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
        self.products_page = ProductsPage()
        self.query_model = QueryListModel(services.queries, formatter, services.clock,
                                          actor.user_id)
        self.queries_page = QueriesPage(self.query_model)
        self.tally_page = TallyPage(services.feedback, formatter, can_edit=actor.is_owner)
        self.stack = QStackedWidget()
        for page in (self.customers_page, self.profile, self.queries_page, self.tally_page,
                     self.orders_page, self.products_page, self.trash_page):
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
        self.profile.log_query.connect(self.log_query)
        self.profile.record_feedback.connect(self.record_feedback)
        self.queries_page.open_query.connect(self.open_query)
        self.queries_page.log_query.connect(lambda: self.log_query(None))
        self.tally_page.record.connect(
            lambda kind: self.record_feedback(None, FeedbackKind(kind)))
        self.tally_page.open_customer.connect(self.open_customer)
        self.tally_page.edit_categories.connect(self.edit_categories)
        self.orders_page.open_order.connect(self.open_order)
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
        self.customers_page.search.setFocus()

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

        go_menu = self.menuBar().addMenu("&Go")
        self.find_action = QAction("&Find customer", self)
        self.find_action.setShortcuts(
            [QKeySequence("Ctrl+K"), QKeySequence(QKeySequence.StandardKey.Find)])
        self.find_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.find_action.triggered.connect(self.focus_search)
        go_menu.addAction(self.find_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, APP_NAME, f"<b>{APP_NAME}</b> {__version__}<br>Remember every customer."))
        help_menu.addAction(about)

    # ---- navigation --------------------------------------------------------------------------

    def _navigate(self, row: int) -> None:
        pages: dict[str, Callable[[], None]] = {
            "Customers": self.show_list, "Queries": self.show_queries, "Tally": self.show_tally,
            "Orders": self.show_orders, "Products": self.show_products,
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
                                orders=self._services.order_list, formatter=self._formatter,
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
        dialog.open()
        return dialog

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
