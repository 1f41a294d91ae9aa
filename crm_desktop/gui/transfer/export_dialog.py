"""*Export…* from the customer list: all customers, the current filter or the selection, as
Google Contacts CSV or vCard 4.0, written on the worker with a progress bar."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.models import ConsentChannel
from crm_desktop.services.customers.consent import CHANNEL_LABELS
from crm_desktop.services.transfer.export_service import ExportService


class Scope(enum.IntEnum):
    ALL = 0
    FILTER = 1
    SELECTION = 2


class ExportDialog(QDialog):
    exported = Signal(str)  # what was written, for the status bar

    def __init__(self, exports: ExportService, background: Background, actor: Actor, *,
                 filtered_ids: list[int] | None, selected_ids: list[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export customers")
        self._exports = exports
        self._background = background
        self._actor = actor
        self._ids = {Scope.ALL: None, Scope.FILTER: filtered_ids, Scope.SELECTION: selected_ids}
        self.busy = False

        self.scopes = QButtonGroup(self)
        scope_box = QGroupBox("Which customers")
        scope_layout = QVBoxLayout(scope_box)
        for scope, text in ((Scope.ALL, "All customers"),
                            (Scope.FILTER, "The customers the list shows"
                             + (f" ({len(filtered_ids):,})" if filtered_ids is not None else "")),
                            (Scope.SELECTION, f"The selected customers ({len(selected_ids):,})")):
            button = QRadioButton(text)
            self.scopes.addButton(button, scope)
            scope_layout.addWidget(button)
        self.scopes.button(Scope.FILTER).setEnabled(filtered_ids is not None)
        self.scopes.button(Scope.SELECTION).setEnabled(bool(selected_ids))
        self.scopes.button(Scope.SELECTION if selected_ids else Scope.ALL).setChecked(True)

        self.formats = QButtonGroup(self)
        format_box = QGroupBox("As")
        format_layout = QVBoxLayout(format_box)
        for i, text in enumerate(("Google Contacts CSV (also opens in a spreadsheet)",
                                  "vCards (.vcf), for phones and other address books")):
            button = QRadioButton(text)
            self.formats.addButton(button, i)
            format_layout.addWidget(button)
        self.formats.button(0).setChecked(True)

        # A list for a mailing holds only those who said yes to that channel.
        self.for_marketing = QCheckBox("For offers or a newsletter: only those who agreed to "
                                       "hear from us by")
        self.channel = QComboBox()
        for channel in ConsentChannel:
            self.channel.addItem(CHANNEL_LABELS[channel].lower(), channel)
        self.channel.setEnabled(False)
        self.for_marketing.toggled.connect(self.channel.setEnabled)
        marketing_row = QHBoxLayout()
        marketing_row.addWidget(self.for_marketing)
        marketing_row.addWidget(self.channel)
        marketing_row.addStretch()

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Export…")
        self.buttons.accepted.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scope_box)
        layout.addWidget(format_box)
        layout.addLayout(marketing_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    @property
    def as_vcards(self) -> bool:
        return self.formats.checkedId() == 1

    @property
    def marketing(self) -> ConsentChannel | None:
        if not self.for_marketing.isChecked():
            return None
        return ConsentChannel(self.channel.currentData())

    def choose_file(self) -> None:
        suffix, kinds = (".vcf", "vCard files (*.vcf)") if self.as_vcards \
            else (".csv", "CSV files (*.csv)")
        path, _filter = QFileDialog.getSaveFileName(self, "Export customers to",
                                                    f"customers{suffix}", kinds)
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        ids = self._ids[Scope(self.scopes.checkedId())]
        write = self._exports.vcards if self.as_vcards else self._exports.google_csv
        actor = self._actor  # the worker holds services and values, never a widget
        marketing = self.marketing

        def work(report: Callable[[int, int], None]) -> int:
            partial = path.with_name(path.name + ".part")
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = write(out, actor, ids, progress=report, marketing=marketing)
            partial.replace(path)  # a half-written file never takes the name
            return count

        self.busy = True
        self.buttons.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText("Exporting…")
        self._background.run_with_progress(work, lambda count: self._done(count, path),
                                           self._failed, self._show_progress)

    def _done(self, count: int, path: Path) -> None:
        self.busy = False
        self.exported.emit(f"Exported {count:,} customers to {path.name}")
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.progress.setVisible(False)
        if isinstance(exc, OSError):
            self.status.setText(f"Could not write the file: {exc.strerror or exc}.")
        else:
            self.status.setText("")
            show_error(self, exc)

    def _show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def reject(self) -> None:
        if self.busy:
            self._background.wait()
        super().reject()
