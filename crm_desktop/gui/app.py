"""Start the desktop app: open and upgrade the database, sign in, show the main window."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from crm_desktop import APP_NAME, __version__
from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import CrmError, LinkRefusedError, ServerUnreachableError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.admin.first_run_dialog import FirstRunDialog
from crm_desktop.gui.admin.sign_in_dialog import SignInDialog
from crm_desktop.gui.main_window import BACKUP_WINDOW_NOTE, MainWindow, Services
from crm_desktop.gui.shared.errors import install_exception_hook, show_error
from crm_desktop.gui.shared.garbage import UiThreadGarbageCollector
from crm_desktop.gui.shared.operations import Change, Changes
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.gui.sharing.controller import join_shared_shop
from crm_desktop.gui.starting import application
from crm_desktop.models import Role
from crm_desktop.paths import AppPaths, app_paths
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.audit_service import AuditService
from crm_desktop.services.admin.backup_service import (
    BackupService,
    BackupView,
    PreparedRestore,
)
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.admin.user_service import UserService, UserView
from crm_desktop.services.customers.consent import ConsentService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import TRASH_DAYS, CustomerService
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
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from crm_desktop.storage.shared_shop import desk_url

log = logging.getLogger(__name__)

LAST_USER_KEY = "session/last_user_id"


def sign_in(users: UserService, ui_state: QSettings, shop_name: str) -> UserView | None:
    """The person at this desk, once they typed their password; None if they closed the
    dialog. The one who was here last time comes first in the list."""
    remembered = ui_state.value(LAST_USER_KEY)
    last = int(remembered) if str(remembered or "").isdigit() else None
    dialog = SignInDialog(users, last_user_id=last, shop_name=shop_name)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.person is None:
        return None
    ui_state.setValue(LAST_USER_KEY, dialog.person.id)
    return dialog.person


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
    if window.access.can(Permission.PURGE_CUSTOMERS) and purge_expired_trash(database, actor):
        window.ops.announce(Changes.of(Change.CUSTOMERS))
    window.backups.start()  # a backup if one is due (on the worker), then the schedule


def scanning_works() -> str:
    """For the smoke test of a bundle: the connection code's square reads back, and Qt
    Multimedia loads (the camera scanner's parts, which nothing else at start touches)."""
    from crm_desktop.gui.sharing.code_picture import code_picture, codes_in  # noqa: PLC0415
    from crm_desktop.gui.sharing.scan_dialog import cameras  # noqa: PLC0415

    read = codes_in(code_picture("CRM-SMOKE-TEST")) == ["CRM-SMOKE-TEST"]
    return f"connection code square reads back: {'yes' if read else 'NO'}; " \
           f"cameras: {len(cameras())}"


def backup_service(database: Database, paths: AppPaths) -> BackupService:
    return BackupService(database, paths.backup_dir, paths.backup_settings_file)


def put_restore_in_place(backups: BackupService, prepared: PreparedRestore) -> None:
    """The window has closed: the backup replaces the database, which is upgraded if it is
    of an older version; everyone then signs in again (the people may differ)."""
    try:
        backups.complete_restore(prepared)
    except CrmError as exc:
        log.warning("restore failed: %s", exc)
        show_error(None, exc)
        return
    when = f"{prepared.restoring.taken_at.astimezone():%Y-%m-%d at %H:%M}"
    safety = prepared.safety_copy
    kept = (f"\n\nThe shop as it was before is kept in the backup {safety.path.name}."
            if safety else "")
    QMessageBox.information(None, "Restored", f"The shop is back as it was on {when}.{kept}"
                            "\n\nSign in again to go on.")


def build_main_window(database: Database, actor: Actor, ui_state: QSettings,
                      paths: AppPaths | None = None, *,
                      looking_inside: BackupView | None = None) -> MainWindow:
    """The shop's window for ``actor``; or, with ``looking_inside``, a window on a backup
    opened read only, in which everything reads as the shop did then and nothing writes."""
    settings = SettingsService(database).business()
    formatter = Formatter(locale=settings.locale, currency=settings.currency)
    services = Services(
        customers=CustomerService(database),
        customer_list=CustomerListService(database),
        personal_data=PersonalDataService(database),
        consent=ConsentService(database),
        retention=RetentionService(database),
        users=UserService(database),
        settings=SettingsService(database),
        mailing=MailingService(database),
        letters=LetterService(database),
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
        audit=AuditService(database),
        reports=ReportService(database),
        backups=backup_service(database, paths or app_paths()),
        clock=database.clock,
        change_feed=ChangeFeed(database) if looking_inside is None else None,
        sharing=SharingService(database, paths or app_paths()) if looking_inside is None
        else None,
        paths=paths or app_paths(),
    )
    if looking_inside is not None:
        taken = formatter.date_time(looking_inside.info.taken_at)
        if looking_inside.info.reason == "reading copy":  # no shop's window behind it
            what = f"this desk's copy of the shared shop, as it was at {taken}"
            note = ("Nothing here can be changed. The shared shop itself is on the computer "
                    "that holds it, which did not answer: close this window and start the app "
                    "again to reach it.")
        else:
            what, note = f"the backup taken {taken}", BACKUP_WINDOW_NOTE
        return MainWindow(services, actor=SYSTEM, role=Role.VIEWER, formatter=formatter,
                          ui_state=ui_state, database_label=database.describe(),
                          shop_name=settings.shop_name, looking_inside=what,
                          looking_inside_note=note)
    # The role the database holds, not one the caller claims: the GUI only mirrors it.
    role = Role.OWNER if actor is SYSTEM else services.users.get(
        actor.user_id if actor.user_id is not None else -1).role
    return MainWindow(services, actor=actor, role=role, formatter=formatter,
                      ui_state=ui_state, database_label=database.describe(),
                      shop_name=settings.shop_name,
                      open_backup=partial(show_backup_window, ui_state=ui_state, paths=paths))


def show_backup_window(shop: MainWindow, view: BackupView, *, ui_state: QSettings,
                       paths: AppPaths | None) -> MainWindow | None:
    """A backup opened read only, in a window of its own beside the shop's; closing it (or
    the shop's window, or locking the desk) removes the copy it was opened from."""
    try:
        window = build_main_window(view.database, SYSTEM, ui_state, paths, looking_inside=view)
    except Exception as exc:  # a backup too damaged to show: said, and the copy removed
        view.close()
        show_error(shop, exc)
        return None

    def let_go() -> None:  # (a bound method of a plain object would be held weakly)
        view.close()

    window.closed.connect(let_go)
    shop.adopt_backup_window(window)
    window.show()
    return window


def try_again(database: Database, *, copy_taken: str | None = None) -> str:
    """The shared database did not answer at start: say what is wrong and what to check,
    and offer to try again, or (``copy_taken``: this desk has a reading copy of then) to
    open that copy read only. Returns "retry", "copy" or "close"."""
    box = QMessageBox(QMessageBox.Icon.Warning, "The shared database cannot be reached",
                      f"The shop's database at {database.url.host or 'the server'} does not "
                      "answer, so the app cannot open yet.")
    box.setInformativeText(
        "Check that the computer holding the shop (usually the front desk) is switched on "
        "and awake, and that this computer is on the same network (cable or Wi-Fi). Then "
        "try again. Nothing has been changed."
        + (f" Meanwhile this desk can show the shop as it was at {copy_taken}, read only."
           if copy_taken else ""))
    box.setStandardButtons(QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close)
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    copy = (box.addButton("Open the last copy (read only)", QMessageBox.ButtonRole.ActionRole)
            if copy_taken else None)
    answer = box.exec()
    if copy is not None and box.clickedButton() is copy:
        return "copy"
    return "retry" if answer == QMessageBox.StandardButton.Retry else "close"


def show_reading_copy(backups: BackupService, paths: AppPaths) -> int:
    """The shared shop as this desk's reading copy holds it, read only, for whoever signs in
    with their password; the exit code once its window is closed."""
    view = backups.open_reading_copy()
    if view is None:
        return 1
    try:
        ui_state = open_ui_state(paths)
        users = UserService(view.database)
        person = sign_in(users, ui_state, SettingsService(view.database).business().shop_name)
        if person is None:
            return 0
        window = build_main_window(view.database, SYSTEM, ui_state, paths, looking_inside=view)
        window.show()
        return application().exec()
    finally:
        view.close()


def open_shop(database: Database, paths: AppPaths, *, smoke_test: bool,
              before_dialogs: Callable[[], None]
              ) -> tuple[Database, UserService, QSettings] | int:
    """The database upgraded if need be, and the first run's questions on a new shop (where
    this desk may join a shared shop instead: then that one is opened); or the exit code
    when it cannot be opened (or the first run was left), the database disposed of."""
    while True:  # until the database answers, or the person gives up waiting for it
        try:
            upgrade(database, paths.backup_dir)
            users = UserService(database)
            if users.needs_first_run() and not smoke_test:
                before_dialogs()
                first_run = FirstRunDialog(users, backup_service(database, paths),
                                           join=partial(join_shared_shop, paths))
                if first_run.exec() != QDialog.DialogCode.Accepted:
                    database.dispose()
                    return 0
                if first_run.joined is not None:
                    database.dispose()
                    database = Database(desk_url(paths))
                    continue
            return database, users, open_ui_state(paths)
        except LinkRefusedError as exc:  # connect again, or work on this computer's shop
            log.warning("could not start: %s", exc)
            before_dialogs()
            database.dispose()
            return cannot_open(exc, paths)
        except ServerUnreachableError as exc:
            log.warning("could not start: %s", exc)
            before_dialogs()
            backups = backup_service(database, paths)
            written = backups.reading_copy_written()
            choice = try_again(database, copy_taken=Formatter().date_time(written)
                               if written is not None else None)
            if choice != "retry":
                database.dispose()
                return show_reading_copy(backups, paths) if choice == "copy" else 1
        except CrmError as exc:
            log.warning("could not start: %s", exc)
            before_dialogs()
            show_error(None, exc)
            database.dispose()
            return 1


def reopen_shop(paths: AppPaths, before_dialogs: Callable[[], None]
                ) -> tuple[Database, UserService, QSettings] | int:
    """The shop where this desk now works (the shared one it connected to, or its own file),
    opened as at start; or the exit code when it cannot be."""
    try:
        url = desk_url(paths)
    except CrmError as exc:
        show_error(None, exc)
        return 1
    return open_shop(Database(url), paths, smoke_test=False, before_dialogs=before_dialogs)


def cannot_open(problem: CrmError, paths: AppPaths) -> int:
    """The shared shop this desk works on cannot be opened (its password gone from the
    keyring or no longer accepted, its certificate changed, its note unreadable): say so, and
    offer to connect again with the code, or to use this computer's own shop."""
    application()
    box = QMessageBox(QMessageBox.Icon.Warning, problem.title, problem.message)
    again = box.addButton("Connect again…", QMessageBox.ButtonRole.AcceptRole)
    own = box.addButton("Use this computer's own shop", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is again:
        holder = QWidget()
        if join_shared_shop(paths, holder) is None:
            return 1
    elif box.clickedButton() is own:
        SharingService.leave(paths)
    else:
        return 1
    return run_app(desk_url(paths), paths)


def run_app(url: str, paths: AppPaths, *, smoke_test: bool = False,
            starting: QWidget | None = None) -> int:
    """``starting``: the window shown while this was imported, closed before the first
    dialog or window (it stays on top of everything)."""
    app = application()
    install_exception_hook(paths.log_file)
    UiThreadGarbageCollector(app)

    def done_starting() -> None:
        if starting is not None:
            starting.close()

    opened = open_shop(Database(url), paths, smoke_test=smoke_test,
                       before_dialogs=done_starting)
    if isinstance(opened, int):
        return opened
    database, users, ui_state = opened
    code = 0
    while True:  # until someone quits rather than handing the desk over
        try:
            if smoke_test:
                actor = SYSTEM
            else:
                done_starting()
                person = sign_in(users, ui_state, SettingsService(database).business().shop_name)
                if person is None:
                    break
                actor = person.as_actor()
            window = build_main_window(database, actor, ui_state, paths)
        except CrmError as exc:
            log.warning("could not start: %s", exc)
            done_starting()
            show_error(None, exc)
            code = 1
            break
        window.show()
        done_starting()
        QTimer.singleShot(0, lambda w=window, d=database, a=actor: housekeeping(w, d, a))
        if smoke_test:  # (bench/start_up.py times these lines as they arrive)
            QTimer.singleShot(0, lambda: print("main window shown", flush=True))
            QTimer.singleShot(0, window.close)  # closing the last window ends app.exec()
        code = app.exec()
        switching, prepared, reopen = window.switching, window.restore_prepared, window.reopen
        if prepared is not None:
            put_restore_in_place(backup_service(database, paths), prepared)
        elif not (switching or reopen) and not smoke_test:
            window.backups.back_up_before_quitting()
        window.deleteLater()
        if reopen and not smoke_test:  # shared, connected to, or left: open it where it is
            database.dispose()
            reopened = reopen_shop(paths, done_starting)
            if isinstance(reopened, int):
                return reopened
            database, users, ui_state = reopened
            continue
        if smoke_test or not (switching or prepared):
            break
    database.dispose()
    if smoke_test:
        print(f"{APP_NAME} {__version__}: main window opened on {database.describe()}")
        print(scanning_works())
    return code
