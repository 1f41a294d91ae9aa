"""Start the desktop app: open and upgrade the database, sign in, show the main window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog

from crm_desktop import APP_ID, APP_NAME, __version__
from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import CrmError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.admin.first_run_dialog import FirstRunDialog
from crm_desktop.gui.main_window import MainWindow, Services
from crm_desktop.gui.shared.errors import install_exception_hook, show_error
from crm_desktop.gui.shared.garbage import UiThreadGarbageCollector
from crm_desktop.gui.shared.operations import Change, Changes
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.paths import AppPaths
from crm_desktop.resources import resource_path
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import TRASH_DAYS, CustomerService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpService
from crm_desktop.services.invoices.invoice_list_service import InvoiceListService
from crm_desktop.services.invoices.invoice_service import InvoiceService
from crm_desktop.services.orders.order_list_service import OrderListService
from crm_desktop.services.orders.order_service import OrderService
from crm_desktop.services.queries.query_service import QueryService
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.import_service import ImportService
from crm_desktop.services.transfer.shop_archive import ShopArchiveService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade

log = logging.getLogger(__name__)

LAST_USER_KEY = "session/last_user_id"


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path("icons", "crm-desktop.svg"))))
    return app


def choose_actor(users: UserService, ui_state: QSettings) -> Actor | None:
    """The person at this desk: the one who was here last time, else ask."""
    active = users.list_active()
    remembered = ui_state.value(LAST_USER_KEY)
    for user in active:
        if str(user.id) == str(remembered) or len(active) == 1:
            return user.as_actor()
    names = [u.display_name for u in active]
    name, ok = QInputDialog.getItem(None, f"{APP_NAME}: who is at this desk?", "Your name:",
                                    names, 0, False)
    if not ok:
        return None
    chosen = active[names.index(name)]
    ui_state.setValue(LAST_USER_KEY, chosen.id)
    return chosen.as_actor()


def purge_expired_trash(database: Database, actor: Actor) -> int:
    """The trash empties itself when the owner signs in: no scheduled job to forget. It is
    housekeeping: if it cannot run now (say the other desk holds a lock), the app opens anyway
    and it runs next time. Returns how many customers were purged."""
    try:
        purged = CustomerService(database).purge_expired(actor)
    except CrmError as exc:
        log.warning("could not empty the trash this time: %s", exc)
        return 0
    if purged:
        log.info("purged %d customers from the trash after %d days", purged, TRASH_DAYS)
    return purged


def housekeeping(window: MainWindow, database: Database, actor: Actor) -> None:
    """What runs once the window is on screen, not before it."""
    if purge_expired_trash(database, actor):
        window.ops.announce(Changes.of(Change.CUSTOMERS))


def build_main_window(database: Database, actor: Actor, ui_state: QSettings) -> MainWindow:
    settings = SettingsService(database).business()
    formatter = Formatter(locale=settings.locale, currency=settings.currency)
    services = Services(
        customers=CustomerService(database),
        customer_list=CustomerListService(database),
        users=UserService(database),
        settings=SettingsService(database),
        timeline=TimelineService(database),
        orders=OrderService(database),
        order_list=OrderListService(database),
        invoices=InvoiceService(database),
        invoice_list=InvoiceListService(database),
        queries=QueryService(database),
        feedback=FeedbackService(database),
        follow_ups=FollowUpService(database),
        imports=ImportService(database),
        exports=ExportService(database),
        archive=ShopArchiveService(database),
        clock=database.clock,
    )
    return MainWindow(services, actor=actor, formatter=formatter, ui_state=ui_state,
                      database_label=database.describe(), shop_name=settings.shop_name)


def run_app(url: str, paths: AppPaths, *, smoke_test: bool = False) -> int:
    app = application()
    install_exception_hook(paths.log_file)
    UiThreadGarbageCollector(app)
    database = Database(url)
    try:
        upgrade(database, paths.backup_dir)
        users = UserService(database)
        if users.needs_first_run() and not smoke_test:
            first_run = FirstRunDialog(users)
            if first_run.exec() != QDialog.DialogCode.Accepted:
                return 0
        ui_state = open_ui_state(paths)
        actor = SYSTEM if smoke_test else choose_actor(users, ui_state)
        if actor is None:
            return 0
        ui_state.setValue(LAST_USER_KEY, actor.user_id)
        window = build_main_window(database, actor, ui_state)
    except CrmError as exc:
        log.warning("could not start: %s", exc)
        show_error(None, exc)
        return 1
    window.show()
    QTimer.singleShot(0, lambda: housekeeping(window, database, actor))
    if smoke_test:
        QTimer.singleShot(0, window.close)  # closing the last window ends app.exec()
    code = app.exec()
    window.deleteLater()
    database.dispose()
    if smoke_test:
        print(f"{APP_NAME} {__version__}: main window opened on {database.describe()}")
    return code
