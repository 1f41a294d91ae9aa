"""Backups as a person meets them: *File → Back up now*, *File → Backups…* (list, check,
restore, settings), a backup on schedule and on closing that never blocks the window, and a
warning in the status bar when the second place is missing or a backup failed.

A restore cannot happen under an open window: the window prepares it (checked, unpacked,
the shop as it is backed up), hands it to the app through ``restore_ready`` and closes; the
app puts it in place and asks everyone to sign in again (gui/app.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QWidget,
)

from crm_desktop.actor import SYSTEM
from crm_desktop.errors import CrmError
from crm_desktop.gui.backups.backups_dialog import (
    BACKUP_FILES,
    BackupsDialog,
    ask_passphrase,
    holds,
    needs_passphrase,
)
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.shared.operations import Changes, attempt
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.backup_service import (
    BackupOutcome,
    BackupService,
    PreparedRestore,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# How often the schedule is looked at; a backup is made when the newest is older than the
# owner's "every N hours".
CHECK_EVERY_MS = 10 * 60 * 1000


class BackupsController(Controller):
    restore_ready = Signal(object)  # PreparedRestore: the shell closes, the app restores
    view_ready = Signal(object)  # BackupView: the app opens a read-only window on it

    def __init__(self, desk: Desk, service: BackupService) -> None:
        super().__init__(desk)
        self._service = service
        self._running = False
        self._changed_since_backup = False
        self.dialog: BackupsDialog | None = None
        # In the status bar: a slim bar while a backup is made, and what needs the owner's
        # eye (the second place missing, a failed backup) until the next good backup.
        self.status_widget = QWidget()
        row = QHBoxLayout(self.status_widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.setToolTip("Backing up…")
        self.progress.hide()
        self.warning = QLabel()
        self.warning.setTextFormat(Qt.TextFormat.RichText)
        self.warning.linkActivated.connect(lambda _link: self.show_backups())
        self.warning.hide()
        row.addWidget(self.progress)
        row.addWidget(self.warning)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.back_up_if_due)

    @property
    def busy(self) -> bool:
        """A backup is being made."""
        return self._running

    @property
    def may_back_up(self) -> bool:
        return self.desk.access.can(Permission.BACK_UP) and self._service.available

    def on_changed(self, changes: Changes) -> None:
        self._changed_since_backup = True

    def stop(self) -> None:
        self.timer.stop()

    # ---- backing up ----------------------------------------------------------------------

    def start(self) -> None:
        """Once the window is on screen: a backup now if one is due, then the schedule."""
        if not self.may_back_up:
            return
        self.timer.start()
        self.back_up_if_due()

    def back_up_if_due(self) -> None:
        if self._running or not self.may_back_up:
            return
        service, actor = self._service, self.actor

        def work(report: Callable[[int, int], None]) -> BackupOutcome | None:
            if not service.is_due():
                return None
            return service.back_up(actor, reason="scheduled", progress=report)

        self._run(work, quiet=True)

    def back_up_now(self) -> None:
        if self._running:
            self.desk.ops.say("A backup is being made already.")
            return
        service, actor = self._service, self.actor
        self._run(lambda report: service.back_up(actor, reason="manual", progress=report),
                  quiet=False)

    def _run(self, work: Callable[[Callable[[int, int], None]], BackupOutcome | None], *,
             quiet: bool) -> None:
        self._running = True
        self._changed_since_backup = False
        self.progress.setValue(0)
        self.progress.show()
        self.desk.background.run_with_progress(
            work, self._backed_up, lambda exc: self._failed(exc, quiet=quiet),
            lambda so_far, _total: self.progress.setValue(so_far))

    def _backed_up(self, outcome: BackupOutcome | None) -> None:
        self._running = False
        self.progress.hide()
        if outcome is None:
            return  # not due
        info, formatter = outcome.backup, self.desk.formatter
        self.desk.ops.say(f"Backed up and checked, {formatter.date_time(info.taken_at)} "
                          f"({formatter.file_size(info.size)})", 8000)
        self._warn(outcome.warning and "No backup copy in the second place",
                   outcome.warning or "")
        if self.dialog is not None:
            self.dialog.reload()

    def _failed(self, exc: Exception, *, quiet: bool) -> None:
        self._running = False
        self._changed_since_backup = True
        self.progress.hide()
        log.warning("backup failed: %s", exc, exc_info=not isinstance(exc, CrmError))
        message = str(exc) if isinstance(exc, CrmError) else "see the log for why"
        self._warn("The last backup failed", f"The last backup failed: {message}")
        if not quiet:
            show_error(self.window, exc)

    def _warn(self, short: str | None, text: str = "") -> None:
        """A few words in the status bar (a link to the backups), the whole of it on
        hover."""
        self.warning.setVisible(bool(short))
        self.warning.setText(f'⚠ <a href="backups">{short}</a>' if short else "")
        self.warning.setToolTip(text)

    def back_up_before_quitting(self) -> None:
        """When the app closes (not when the desk is handed over) after this desk changed
        something since its last backup: a backup behind a small progress window."""
        if not (self._changed_since_backup and self.may_back_up) or self._running:
            return
        progress = QProgressDialog("Backing up before closing…", "", 0, 1000)
        progress.setCancelButton(None)
        progress.setWindowTitle("Backing up")
        progress.setMinimumDuration(500)
        loop = QEventLoop()
        service, actor = self._service, self.actor

        def failed(exc: Exception) -> None:
            log.warning("no backup on closing: %s", exc)
            loop.quit()

        self.desk.background.run_with_progress(
            lambda report: service.back_up(actor, reason="on-quit", progress=report),
            lambda _outcome: loop.quit(), failed,
            lambda so_far, _total: progress.setValue(so_far))
        loop.exec()
        progress.close()

    # ---- the list, and restoring ---------------------------------------------------------

    def show_backups(self) -> BackupsDialog | None:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        desk = self.desk
        dialog = attempt(self.window, lambda: BackupsDialog(
            self._service, self.actor, desk.access, formatter=desk.formatter,
            background=desk.background, clock=desk.clock, parent=self.window))
        if dialog is None:
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.back_up_requested.connect(self.back_up_now)
        dialog.restore_requested.connect(self.restore)
        dialog.look_inside_requested.connect(self.look_inside)
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
        return dialog

    def restore(self, path: Path) -> None:
        """Ask, naming what the backup holds and what happens to today's shop; then check
        and unpack it and back up the shop as it is (on the worker), and hand it over."""
        parent = self.dialog or self.window
        info = attempt(parent, lambda: self._service.describe(path))
        if info is None:
            return
        formatter = self.desk.formatter
        answer = QMessageBox.question(
            parent, "Restore a backup",
            f"Restore the backup taken {formatter.date_time(info.taken_at)}? It holds "
            f"{holds(info, formatter)}.\n\nEverything entered since then is replaced. The "
            "shop as it is now is backed up first, so this can be undone by restoring that "
            "backup. The app then opens again and everyone signs in again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        service, actor = self._service, self.actor
        unpack(parent, self.desk.background, path,
               lambda passphrase, report: service.prepare_restore(
                   path, actor, report, passphrase=passphrase),
               label="Checking the backup and backing up the shop as it is…",
               done=self.restore_ready.emit)

    def look_inside(self, path: Path) -> None:
        """Open the backup read only, in a window of its own beside this one."""
        service, actor = self._service, self.actor
        unpack(self.dialog or self.window, self.desk.background, path,
               lambda passphrase, report: service.open_read_only(
                   path, actor, report, passphrase=passphrase),
               label="Checking and opening the backup…", done=self.view_ready.emit)


def unpack(parent: QWidget, background: Background, path: Path,
           work: Callable[[str | None, Callable[[int, int], None]], T], *, label: str,
           done: Callable[[T], None], passphrase: str | None = None) -> None:
    """Unpack the backup at ``path`` with ``work`` on the worker behind a progress window;
    a locked backup's passphrase is asked (again, after a wrong one) and the work tried
    again."""

    def failed(exc: Exception) -> None:
        if needs_passphrase(exc):
            typed = ask_passphrase(parent, path, exc)
            if typed is not None:
                unpack(parent, background, path, work, label=label, done=done,
                       passphrase=typed)
            return
        show_error(parent, exc)

    background.run_modal(parent, label, lambda report: work(passphrase, report), done, failed)


def restore_a_new_shop(parent: QWidget, backups: BackupService, background: Background,
                       done: Callable[[PreparedRestore], None]) -> None:
    """On a new computer's first run there is nothing to lose: the backup chosen is checked
    and unpacked on the worker and put in place; ``done`` then goes on to sign in as in the
    shop it came from."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Restore the shop from a backup", str(backups.backup_dir), BACKUP_FILES)
    if not path:
        return

    def prepared(ready: PreparedRestore) -> None:
        if attempt(parent, lambda: backups.complete_restore(ready)) is not None:
            done(ready)

    chosen = Path(path)
    unpack(parent, background, chosen,
           lambda passphrase, report: backups.prepare_restore(
               chosen, SYSTEM, report, passphrase=passphrase),
           label="Checking and unpacking the backup…", done=prepared)
