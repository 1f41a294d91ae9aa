"""*File → Import customers…*: choose a file, check how it was read (and the columns, for any
other CSV), look at every record and its duplicates, import with progress and Cancel, and undo.

Reading, the preview and the import itself run on the worker thread (``Background``): a file
of 100,000 contacts never freezes the window. The dialog only shows what the import service
says; it decides nothing itself.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.shared.widgets import wrapping_label
from crm_desktop.gui.transfer.preview_model import SHOW_LABELS, Column, PreviewModel, Show
from crm_desktop.services.transfer.contact_files import (
    DELIMITERS,
    ENCODINGS,
    TARGETS,
    ContactFile,
    FileFormat,
    ReadOptions,
    rejected_rows_csv,
)
from crm_desktop.services.transfer.import_service import (
    Decision,
    ImportCancelledError,
    ImportPreview,
    ImportResult,
    ImportService,
    MatchKind,
    UndoResult,
)

T = TypeVar("T")
Report = Callable[[int, int], None]  # how far the worker is, out of how much
FILE_TYPES = "Contacts (*.csv *.vcf *.vcard *.txt);;All files (*)"
_MAPPINGS = "import/mappings"  # remembered per header, at this desk


class ImportDialog(QDialog):
    imported = Signal(object)  # ImportResult
    undone = Signal(object)  # UndoResult

    def __init__(self, imports: ImportService, background: Background, actor: Actor,
                 ui_state: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import customers")
        self.resize(980, 640)
        self._imports = imports
        self._background = background
        self._actor = actor
        self._ui_state = ui_state
        self._content = b""
        self.file: ContactFile | None = None
        self.import_result: ImportResult | None = None
        self._cancel = threading.Event()
        self.busy = False

        self.pages = QStackedWidget()
        self.choose_page = self._build_choose_page()
        self.mapping_page = self._build_mapping_page()
        self.preview_page = self._build_preview_page()
        self.done_page = self._build_done_page()
        for page in (self.choose_page, self.mapping_page, self.preview_page, self.done_page):
            self.pages.addWidget(page)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.back_button = QPushButton("&Back")
        self.next_button = QPushButton("&Next")
        self.next_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.progress)
        for button in (self.back_button, self.next_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(self._back)
        self.next_button.clicked.connect(self._next)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self._update_buttons()

    # ---- the pages --------------------------------------------------------------------------

    def _build_choose_page(self) -> QWidget:
        page = QWidget()
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file chosen yet")
        self.browse_button = QPushButton("&Choose a file…")
        self.browse_button.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.format_combo = QComboBox()
        for file_format in FileFormat:
            self.format_combo.addItem(file_format.label, file_format)
        self.encoding_combo = QComboBox()
        for encoding, name in ENCODINGS.items():
            self.encoding_combo.addItem(name, encoding)
        self.delimiter_combo = QComboBox()
        for delimiter, name in DELIMITERS.items():
            self.delimiter_combo.addItem(name, delimiter)
        for combo in (self.format_combo, self.encoding_combo, self.delimiter_combo):
            combo.setEnabled(False)
            combo.activated.connect(self._reread)
        self.read_summary = wrapping_label()
        form = QFormLayout()
        form.addRow("File:", row)
        form.addRow("Format:", self.format_combo)
        form.addRow("Encoding:", self.encoding_combo)
        form.addRow("Separator:", self.delimiter_combo)
        layout = QVBoxLayout(page)
        layout.addWidget(wrapping_label(
            "Bring in the customers you already have: a Google Contacts or Outlook export "
            "(CSV), vCards from a phone (.vcf), or any other CSV from a spreadsheet. Nothing "
            "is changed until you press Import on the last page, and an import can be "
            "undone."))
        layout.addLayout(form)
        layout.addWidget(self.read_summary)
        layout.addStretch(1)
        return page

    def _build_mapping_page(self) -> QWidget:
        page = QWidget()
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(["Column in the file", "For example",
                                                      "Becomes"])
        self.mapping_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(page)
        layout.addWidget(wrapping_label(
            "Say what each column holds. Columns left out are not imported. The choice is "
            "remembered for the next file with the same columns."))
        layout.addWidget(self.mapping_table, 1)
        return page

    def _build_preview_page(self) -> QWidget:
        page = QWidget()
        self.preview_summary = wrapping_label()
        self.show_combo = QComboBox()
        self.show_combo.addItems(SHOW_LABELS)
        self.preview_model = PreviewModel()
        self.show_combo.currentIndexChanged.connect(
            lambda i: self.preview_model.show_only(Show(i)))
        self.preview_table = QTableView()
        self.preview_table.setModel(self.preview_model)
        self.preview_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview_table.verticalHeader().setVisible(False)
        self.preview_table.horizontalHeader().setSectionResizeMode(
            Column.PROBLEMS, QHeaderView.ResizeMode.Stretch)
        self.preview_table.setWordWrap(False)
        self.all_duplicates = QComboBox()
        for decision in (Decision.MERGE, Decision.UPDATE, Decision.SKIP, Decision.CREATE):
            self.all_duplicates.addItem(decision.label, decision)
        apply_all = QPushButton("Apply to every duplicate")
        apply_all.clicked.connect(self._decide_all_duplicates)
        self.decision_buttons: dict[Decision, QPushButton] = {}
        chosen = QHBoxLayout()
        chosen.addWidget(QLabel("Selected rows:"))
        for decision in (Decision.CREATE, Decision.SKIP, Decision.UPDATE, Decision.MERGE):
            button = QPushButton(decision.label)
            button.clicked.connect(lambda _c=False, d=decision: self.decide_selected(d))
            chosen.addWidget(button)
            self.decision_buttons[decision] = button
        chosen.addStretch(1)
        chosen.addWidget(QLabel("Every duplicate:"))
        chosen.addWidget(self.all_duplicates)
        chosen.addWidget(apply_all)
        self.save_problems_button = QPushButton("Save rows with problems…")
        self.save_problems_button.clicked.connect(self.save_problem_rows)
        top = QHBoxLayout()
        top.addWidget(self.preview_summary, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.show_combo)
        top.addWidget(self.save_problems_button)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.preview_table, 1)
        layout.addLayout(chosen)
        return page

    def _build_done_page(self) -> QWidget:
        page = QWidget()
        self.done_summary = wrapping_label()
        self.undo_button = QPushButton("&Undo this import")
        self.undo_button.clicked.connect(self.undo)
        row = QHBoxLayout()
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_summary)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    # ---- choosing and reading the file ------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import customers from", "",
                                                    FILE_TYPES)
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        """Read ``path`` with what is detected (on the worker)."""
        self.path_edit.setText(str(path))
        imports = self._imports  # the worker holds services and values, never a widget

        def work(report: Report) -> tuple[bytes, ContactFile]:
            content = path.read_bytes()
            return content, imports.read(content, path.name, progress=report)

        self._work("Reading the file…", work, self._read_done, self._read_failed)

    def _reread(self) -> None:
        if self.file is None:
            return
        file_format = self.chosen_format()
        options = ReadOptions(format=file_format, encoding=self.encoding_combo.currentData(),
                              delimiter=self.delimiter_combo.currentData()
                              if file_format is not FileFormat.VCARD else None)
        content, name, imports = self._content, self.file.name, self._imports
        self._work("Reading the file…",
                   lambda report: (content, imports.read(content, name, options,
                                                         progress=report)),
                   self._read_done, self._read_failed)

    def chosen_format(self) -> FileFormat:
        return FileFormat(self.format_combo.currentData())  # Qt hands back the plain str

    def _read_done(self, read: tuple[bytes, ContactFile]) -> None:
        self._content, self.file = read
        file = self.file
        for combo, value in ((self.format_combo, file.format),
                             (self.encoding_combo, file.encoding),
                             (self.delimiter_combo, file.delimiter)):
            combo.setEnabled(True)
            if value is not None and combo.findData(value) < 0:
                combo.addItem(str(value), value)
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.delimiter_combo.setEnabled(file.format is not FileFormat.VCARD)
        problems = file.problem_count
        self.read_summary.setText(
            f"Read as {file.format.label}: {len(file.contacts):,} contacts"
            + (f", {problems:,} of them with something that cannot be read (shown on the "
               "last page)." if problems else "."))
        self._update_buttons()

    def _read_failed(self, exc: Exception) -> None:
        self.file = None
        if isinstance(exc, OSError):
            self.read_summary.setText(f"This file cannot be opened: {exc.strerror or exc}.")
        elif isinstance(exc, CrmError):
            self.read_summary.setText(exc.message)
        else:
            self.read_summary.setText("This file could not be read.")
            show_error(self, exc)
        self._update_buttons()

    # ---- the columns of any other CSV -------------------------------------------------------

    def _fill_mapping(self) -> None:
        assert self.file is not None
        file = self.file
        remembered = self._ui_state.value(f"{_MAPPINGS}/{_header_key(file.header)}")
        mapping = list(file.mapping)
        if isinstance(remembered, str) and len(remembered.split("|")) == len(file.header):
            mapping = remembered.split("|")
        self.mapping_table.setRowCount(len(file.header))
        for i, name in enumerate(file.header):
            examples = [c.raw[i] for c in file.contacts[:20] if i < len(c.raw) and c.raw[i]]
            self.mapping_table.setItem(i, 0, QTableWidgetItem(name))
            self.mapping_table.setItem(i, 1, QTableWidgetItem(
                ", ".join(" ".join(e.split())[:40] for e in examples[:3])))
            combo = QComboBox()
            for key, label in TARGETS.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(max(0, combo.findData(mapping[i] if i < len(mapping)
                                                        else "")))
            self.mapping_table.setCellWidget(i, 2, combo)
        self.mapping_table.resizeColumnToContents(0)

    def chosen_mapping(self) -> tuple[str, ...]:
        return tuple(self.mapping_combo(i).currentData() or ""
                     for i in range(self.mapping_table.rowCount()))

    def mapping_combo(self, row: int) -> QComboBox:
        combo = self.mapping_table.cellWidget(row, 2)
        assert isinstance(combo, QComboBox)
        return combo

    # ---- the preview ------------------------------------------------------------------------

    def _make_preview(self) -> None:
        assert self.file is not None
        file, content, imports = self.file, self._content, self._imports
        if file.format is FileFormat.CSV:
            mapping = self.chosen_mapping()
            self._ui_state.setValue(f"{_MAPPINGS}/{_header_key(file.header)}",
                                    "|".join(mapping))
            options = ReadOptions(format=FileFormat.CSV, encoding=file.encoding,
                                  delimiter=file.delimiter, mapping=mapping)

            def work(report: Report) -> ImportPreview:
                return imports.preview(imports.read(content, file.name, options,
                                                    progress=report), progress=report)
        else:
            def work(report: Report) -> ImportPreview:
                return imports.preview(file, progress=report)

        self._work("Looking for customers we already have…", work, self._preview_done)

    def _preview_done(self, preview: ImportPreview) -> None:
        self.file = preview.file
        self.preview_model.set_preview(preview)
        self.preview_table.resizeColumnsToContents()
        self.pages.setCurrentWidget(self.preview_page)
        self._summarise()
        self._update_buttons()

    def _summarise(self) -> None:
        preview = self.preview
        if preview is None:
            return
        new, same, possible, rejected = (preview.count(k) for k in (
            MatchKind.NEW, MatchKind.SAME, MatchKind.POSSIBLE, MatchKind.REJECTED))
        decided = {d: sum(1 for r in preview.rows if r.match.kind is not MatchKind.REJECTED
                          and r.decision is d) for d in Decision}
        self.preview_summary.setText(
            f"{len(preview.rows):,} contacts: {new:,} new, {same:,} already customers, "
            f"{possible:,} possibly customers, {rejected:,} cannot be imported. "
            f"Import will create {decided[Decision.CREATE]:,}, add to "
            f"{_customers(decided[Decision.UPDATE] + decided[Decision.MERGE])} we have and "
            f"skip {decided[Decision.SKIP] + rejected:,}.")
        self.save_problems_button.setEnabled(any(r.problems for r in preview.rows))

    @property
    def preview(self) -> ImportPreview | None:
        return self.preview_model.preview

    def decide_selected(self, decision: Decision) -> None:
        rows = sorted({i.row() for i in self.preview_table.selectionModel().selectedRows()})
        self.preview_model.decide(rows, decision)
        self._summarise()

    def _decide_all_duplicates(self) -> None:
        if self.preview is None:
            return
        self.preview.decide_duplicates(Decision(self.all_duplicates.currentData()))
        self.preview_model.decisions_changed()
        self._summarise()

    def save_problem_rows(self) -> None:
        preview = self.preview
        if preview is None:
            return
        stem = Path(preview.file.name).stem or "contacts"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the rows with problems", f"{stem} - rows with problems.csv",
            "CSV files (*.csv)")
        if not path:
            return
        contacts = [r.contact for r in preview.rows if r.problems]
        try:
            Path(path).write_text(rejected_rows_csv(preview.file, contacts), encoding="utf-8",
                                  newline="")
        except OSError as exc:
            self.status.setText(f"Could not save: {exc.strerror or exc}")
            return
        self.status.setText(f"Saved {len(contacts):,} rows to {Path(path).name}.")

    # ---- importing and undoing --------------------------------------------------------------

    def start_import(self) -> None:
        preview = self.preview
        assert preview is not None
        self._cancel.clear()
        imports, actor, cancelled = self._imports, self._actor, self._cancel.is_set
        self._work("Importing…", lambda report: imports.run(
            preview, actor, progress=report, cancelled=cancelled),
            self._import_done, self._import_failed, cancellable=True)

    def _import_done(self, result: ImportResult) -> None:
        self.import_result = result
        self.done_summary.setText(
            f"Imported from {self.file.name if self.file else 'the file'}: "
            f"{result.summary()}.\n\nIf this is not what you wanted, undo the whole import "
            "now, or later from File → Imports made (as long as nobody has changed those "
            "customers).")
        self.pages.setCurrentWidget(self.done_page)
        self.imported.emit(result)
        self._update_buttons()

    def _import_failed(self, exc: Exception) -> None:
        if isinstance(exc, ImportCancelledError):
            self.status.setText(exc.message)
        else:
            show_error(self, exc)
        self._update_buttons()

    def undo(self) -> None:
        result = self.import_result
        if result is None:
            return
        imports, actor = self._imports, self._actor
        self._work("Undoing the import…", lambda _report: imports.undo(result.batch_id, actor),
                   self._undone)

    def _undone(self, undone: UndoResult) -> None:
        self.import_result = None
        self.done_summary.setText(f"The import was undone: {undone.summary()}.")
        self.undo_button.setEnabled(False)
        self.undone.emit(undone)
        self._update_buttons()

    # ---- moving through the pages -----------------------------------------------------------

    def _next(self) -> None:
        page = self.pages.currentWidget()
        if page is self.choose_page and self.file is not None:
            if self.file.format is FileFormat.CSV:
                self._fill_mapping()
                self.pages.setCurrentWidget(self.mapping_page)
                self._update_buttons()
            else:
                self._make_preview()
        elif page is self.mapping_page:
            self._make_preview()
        elif page is self.preview_page:
            self.start_import()
        elif page is self.done_page:
            self.accept()

    def _back(self) -> None:
        page = self.pages.currentWidget()
        if page is self.preview_page and self.file is not None and \
                self.file.format is FileFormat.CSV:
            self.pages.setCurrentWidget(self.mapping_page)
        elif page in (self.mapping_page, self.preview_page):
            self.pages.setCurrentWidget(self.choose_page)
        self._update_buttons()

    def _update_buttons(self) -> None:
        page = self.pages.currentWidget()
        self.back_button.setVisible(page in (self.mapping_page, self.preview_page))
        self.next_button.setText({id(self.preview_page): "&Import",
                                  id(self.done_page): "&Close"}.get(id(page), "&Next"))
        self.next_button.setEnabled(not self.busy and (
            page is not self.choose_page or self.file is not None))
        self.back_button.setEnabled(not self.busy)
        self.browse_button.setEnabled(not self.busy)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setVisible(page is not self.done_page or self.busy)
        self.undo_button.setEnabled(not self.busy and self.import_result is not None)

    def _work(self, what: str, work: Callable[[Report], T], done: Callable[[T], None],
              failed: Callable[[Exception], None] | None = None, *,
              cancellable: bool = False) -> None:
        """Run ``work`` on the worker with the progress bar showing; the buttons wait."""
        self.busy = True
        self._cancellable = cancellable
        self.status.setText(what)
        self.progress.setRange(0, 0)  # busy until the first figure arrives
        self.progress.setVisible(True)
        self._update_buttons()

        def finish() -> None:
            self.busy = False
            self.progress.setVisible(False)
            self.status.setText("")

        def succeeded(result: T) -> None:
            finish()
            done(result)

        def went_wrong(exc: Exception) -> None:
            finish()
            if failed is not None:
                failed(exc)
            else:
                show_error(self, exc)
                self._update_buttons()

        self._background.run_with_progress(work, succeeded, went_wrong, self._show_progress)

    def _show_progress(self, done: int, total: int) -> None:
        if self.busy and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _cancel_or_close(self) -> None:
        if self.busy:
            if self._cancellable:
                self._cancel.set()  # the import stops at its next record, having done nothing
                self.status.setText("Cancelling…")
            return
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:  # the worker still holds the dialog's callbacks: stop it first
            self._cancel.set()
            self._background.wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.busy:
            self._cancel.set()
            self._background.wait()
        super().reject()


def _customers(count: int) -> str:
    return f"{count:,} customer{'' if count == 1 else 's'}"


def _header_key(header: list[str]) -> str:
    return hashlib.sha1("\x1f".join(header).encode("utf-8", "replace"),
                        usedforsecurity=False).hexdigest()[:16]

