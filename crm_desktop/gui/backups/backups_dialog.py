"""*File → Backups…*: every backup found on this computer and in the second place, newest
first, with what each holds; back up now, check one again, restore one or a file chosen; and
the owner's settings of where the second copy goes, how often and how many are kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.errors import PassphraseNeededError, WrongPassphraseError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.access import Access
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.shared.paged_model import Index
from crm_desktop.gui.shared.widgets import FormDialog, read_only_table, wrapping_label
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.backup_service import BackupService, BackupSettings, ListedBackup
from crm_desktop.storage.backup import BackupInfo, KeepPolicy

COLUMNS = ("Taken", "Why", "Where", "Size", "Customers", "Invoices", "Last invoice", "Checked")
WHY = {"manual": "Backed up now", "scheduled": "On schedule", "on-quit": "On closing",
       "before-restore": "Before a restore", "copy": "A copy", "daily": "Daily (older kind)"}
BACKUP_FILES = "CRM Desktop backups (*.crmbackup);;Older copies (*.sqlite3);;All files (*)"


def why(info: BackupInfo) -> str:
    if info.reason.startswith("before-") and info.reason not in WHY:
        return "Before an upgrade"
    return WHY.get(info.reason, info.reason.replace("-", " ").capitalize())


def holds(info: BackupInfo, formatter: Formatter) -> str:
    """'1,204 customers, 311 invoices (the last 2026-0311)': for a question about one."""
    if info.legacy:
        return "an older kind of copy, without counts"
    last = f" (the last {info.last_invoice_number})" if info.last_invoice_number else ""
    return (f"{formatter.number(info.customers or 0)} customers and "
            f"{formatter.number(info.invoices or 0)} invoices{last}")


def ask_passphrase(parent: QWidget, path: Path, refused: Exception) -> str | None:
    """The passphrase of a locked backup, asked again after a wrong one; None: cancelled."""
    wrong = isinstance(refused, WrongPassphraseError)
    text, ok = QInputDialog.getText(
        parent, "Locked backup",
        ("That passphrase does not open it. " if wrong else "") +
        f"{path.name} is locked. Its passphrase:", QLineEdit.EchoMode.Password)
    return text if ok else None


def needs_passphrase(exc: Exception) -> bool:
    return isinstance(exc, PassphraseNeededError | WrongPassphraseError)


@dataclass
class _Row:
    listed: ListedBackup
    checked: str


class BackupsModel(QAbstractTableModel):
    def __init__(self, formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self._rows: list[_Row] = []

    def set_backups(self, listed: list[ListedBackup]) -> None:
        # What was checked in this dialog stays said when the list is read again.
        checked = {row.listed.info.path: row.checked for row in self._rows}
        self.beginResetModel()
        self._rows = [_Row(entry, checked.get(entry.info.path, "Yes, when taken" if not
                                              entry.info.legacy else "Not yet"))
                      for entry in listed]
        self.endResetModel()

    def backup(self, row: int) -> BackupInfo:
        return self._rows[row].listed.info

    def set_checked(self, path: Path, text: str) -> None:
        for number, row in enumerate(self._rows):
            if row.listed.info.path == path:
                row.checked = text
                cell = self.index(number, COLUMNS.index("Checked"))
                self.dataChanged.emit(cell, cell)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        info = row.listed.info
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(info.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("Size", "Customers",
                                                                    "Invoices"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        f = self._formatter
        counts_unknown = "—" if info.legacy else None
        return {
            "Taken": f.date_time(info.taken_at),
            "Why": why(info),
            "Where": row.listed.place + (", locked" if info.locked else ""),
            "Size": f.file_size(info.size),
            "Customers": counts_unknown or f.number(info.customers or 0),
            "Invoices": counts_unknown or f.number(info.invoices or 0),
            "Last invoice": info.last_invoice_number or "—",
            "Checked": row.checked,
        }[column]


class BackupsDialog(QDialog):
    back_up_requested = Signal()
    restore_requested = Signal(object)  # Path: the controller asks, prepares and restores
    look_inside_requested = Signal(object)  # Path: opened read only in a window of its own

    def __init__(self, service: BackupService, actor: Actor, access: Access, *,
                 formatter: Formatter, background: Background, clock: Clock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backups")
        self._clock = clock
        self.resize(940, 460)
        self._service = service
        self._actor = actor
        self._formatter = formatter
        self._background = background
        self.summary = wrapping_label()
        self.model = BackupsModel(formatter, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        read_only_table(self.table)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.note = wrapping_label()

        buttons = QHBoxLayout()

        def button(text: str, slot: object, tip: str = "") -> QPushButton:
            made = QPushButton(text)
            made.setToolTip(tip)
            made.clicked.connect(slot)
            buttons.addWidget(made)
            return made

        self.back_up_button = button("Back up now", self.back_up_requested.emit,
                                     "A new backup, checked, here and in the second place")
        self.verify_button = button("Check again", self.verify_selected,
                                    "Unpack the chosen backup and check every table's rows")
        self.restore_button = button("Restore…", self.restore_selected,
                                     "Put the chosen backup in place of the shop as it is")
        self.file_button = button("Restore from a file…", self.restore_from_file,
                                  "A backup somewhere else: a stick, a share, a download")
        self.look_button = button("Look inside…", self.look_inside_selected,
                                  "Open the chosen backup read only in a window of its own, "
                                  "to see what it held (today's shop stays as it is)")
        self.folder_button = button("Open folder", self.open_folder,
                                    "Show this computer's backups in the file manager")
        buttons.addStretch(1)
        self.settings_button = button("Settings…", self.edit_settings,
                                      "Where the second copy goes, how often, how many kept")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        access.gate(Permission.BACK_UP, self.back_up_button)
        access.gate(Permission.RESTORE_BACKUP, self.restore_button, self.file_button,
                    self.look_button)
        access.gate(Permission.CHANGE_SETTINGS, self.settings_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.reload()

    def reload(self) -> None:
        settings = self._service.settings()
        keep = settings.keep
        second = settings.second_place
        place = ("no second place is chosen yet (Settings…)" if second is None else
                 f"a copy also goes to {second}" + (
                     "" if second.is_dir() else ", which is not there now (is the drive "
                     "plugged in?)"))
        self.summary.setText(
            f"A backup is made every {settings.every_hours} hours while the app runs, and "
            f"when it closes after a change; {place}. Kept: all of the last day, then one "
            f"a day for {keep.daily} days, a week for {keep.weekly} weeks and a month for "
            f"{keep.monthly} months.")
        listed, unreadable = self._service.backups()
        self.model.set_backups(listed)
        self.note.setText(
            "" if not unreadable else
            f"{len(unreadable)} file(s) named like backups cannot be read: "
            + ", ".join(path.name for path in unreadable[:3]))
        if listed:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def chosen(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.backup(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        one = self.chosen() is not None
        self.verify_button.setEnabled(one)
        self.restore_button.setEnabled(one)  # stays off where the role may not restore
        self.look_button.setEnabled(one)

    def verify_selected(self) -> None:
        info = self.chosen()
        if info is not None:
            self._verify(info.path, None)

    def _verify(self, path: Path, passphrase: str | None) -> None:
        service = self._service
        self.verify_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.model.set_checked(path, "Checking…")

        def done(_checked: BackupInfo) -> None:
            self._finished()
            self.model.set_checked(path, f"Sound, {self._formatter.date_time(self._clock())}")

        def failed(exc: Exception) -> None:
            self._finished()
            if needs_passphrase(exc):
                passphrase = ask_passphrase(self, path, exc)
                if passphrase is not None:
                    self._verify(path, passphrase)
                    return
                self.model.set_checked(path, "Locked: not checked")
                return
            self.model.set_checked(path, "Damaged")
            show_error(self, exc)

        self._background.run_with_progress(
            lambda report: service.verify(path, report, passphrase=passphrase), done, failed,
            lambda so_far, _total: self.progress.setValue(so_far))

    def _finished(self) -> None:
        self.progress.hide()
        self._selection_changed()

    def restore_selected(self) -> None:
        info = self.chosen()
        if info is not None and self.restore_button.isEnabled():
            self.restore_requested.emit(info.path)

    def look_inside_selected(self) -> None:
        info = self.chosen()
        if info is not None and self.look_button.isEnabled():
            self.look_inside_requested.emit(info.path)

    def restore_from_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Restore from a backup file", str(self._service.backup_dir), BACKUP_FILES)
        if path:
            self.restore_requested.emit(Path(path))

    def open_folder(self) -> None:
        self._service.backup_dir.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._service.backup_dir)))

    def edit_settings(self) -> BackupSettingsDialog:
        dialog = BackupSettingsDialog(self._service, self._actor, self)
        dialog.accepted.connect(self.reload)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


class BackupSettingsDialog(FormDialog):
    """Where the second copy goes, how often a backup is made and how many are kept."""

    def __init__(self, service: BackupService, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__("Backup settings", parent)
        self._service = service
        self._actor = actor
        self.saved: BackupSettings | None = None
        current = service.settings()

        self.second_place = QLineEdit(str(current.second_place or ""))
        self.second_place.setPlaceholderText("None: only on this computer")
        self.second_place.setReadOnly(True)
        self.second_place.setMinimumWidth(340)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_place)
        clear = QPushButton("None")
        clear.setToolTip("Keep backups on this computer only")
        clear.clicked.connect(self.second_place.clear)
        row = QHBoxLayout()
        row.addWidget(self.second_place, 1)
        row.addWidget(choose)
        row.addWidget(clear)
        place = QWidget()
        place.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_field("Second place", place, "second_place")
        self.watch("second_place", self.second_place)
        self.lock = QCheckBox("Lock the copies there with a passphrase")
        self.lock.setChecked(current.lock_copies)
        self.lock.setToolTip("A stick that is lost, or a share others can read, then holds "
                             "nothing anyone can open without the passphrase")
        self.add_field("", self.lock, "lock_copies")
        has_one = service.key_pair() is not None
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Unchanged (type a new one to change it)"
                                           if has_one else "At least 10 characters")
        self.repeat_passphrase = QLineEdit()
        self.repeat_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field("Passphrase", self.passphrase, "passphrase")
        self.add_field("Again", self.repeat_passphrase, "repeat_passphrase")
        self.insert_below_form(wrapping_label(
            "A USB stick, a network share or a synced folder: somewhere that survives this "
            "computer being lost. When it is not there, the app says so and backs up on this "
            "computer all the same. A locked copy opens only with its passphrase, which is "
            "kept nowhere: write it down and keep it away from the computer."))

        def spin(value: int, low: int, high: int, suffix: str, *, key: str,
                 label: str) -> QSpinBox:
            box = QSpinBox()
            box.setRange(low, high)
            box.setValue(value)
            box.setSuffix(suffix)
            self.add_field(label, box, key)
            return box

        keep = current.keep
        self.every_hours = spin(current.every_hours, 1, 24 * 7, " hours", key="every_hours",
                                label="Back up every")
        self.daily = spin(keep.daily, 1, 1000, " days", key="keep_daily",
                          label="Keep one a day for")
        self.weekly = spin(keep.weekly, 0, 1000, " weeks", key="keep_weekly",
                           label="Keep one a week for")
        self.monthly = spin(keep.monthly, 0, 1000, " months", key="keep_monthly",
                            label="Keep one a month for")
        limit = keep.max_total_bytes
        self.limit = spin(0 if limit is None else max(1, limit // 1_000_000), 0, 10_000_000,
                          " MB", key="max_total_bytes", label="All backups in one place")
        self.limit.setSpecialValueText("No size limit")
        self.limit.setPrefix("at most ")
        self.limit.setToolTip("The oldest go first when the backups in one place add up to "
                              "more; the newest is always kept")

    def choose_place(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Second place for backups",
                                                  self.second_place.text())
        if folder:
            self.second_place.setText(folder)

    def settings(self) -> BackupSettings:
        place = self.second_place.text().strip()
        megabytes = self.limit.value()
        return BackupSettings(
            second_place=Path(place) if place else None,
            keep=KeepPolicy(daily=self.daily.value(), weekly=self.weekly.value(),
                            monthly=self.monthly.value(),
                            max_total_bytes=megabytes * 1_000_000 if megabytes else None),
            every_hours=self.every_hours.value(), lock_copies=self.lock.isChecked())

    def save(self) -> None:
        typed = self.passphrase.text()
        if typed or self.repeat_passphrase.text():
            if typed != self.repeat_passphrase.text():
                self.field_errors.show({"repeat_passphrase": "The two passphrases differ. "
                                        "Type them again."})
                return
            if self.attempt_save(lambda: self._service.set_passphrase(typed,
                                                                      self._actor)) is None:
                return
            self.passphrase.clear()
            self.repeat_passphrase.clear()
            self.passphrase.setPlaceholderText("Unchanged (type a new one to change it)")
        self.saved = self.attempt_save(lambda: self._service.save_settings(self.settings(),
                                                                           self._actor))
        if self.saved is not None:
            self.accept()
