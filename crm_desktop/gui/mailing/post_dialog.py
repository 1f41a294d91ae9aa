"""*Labels and envelopes…*: address labels or envelopes for the customers the list shows, the
ones selected, or the customer on screen; previewed as the very PDF that prints, then printed
or saved.

Labels start at any label of a partly used sheet: the sheet is drawn as a grid of buttons, and
clicking the first free label starts there. A run for offers or a newsletter leaves out
whoever did not agree to post, and the line under the preview says how many were left out
and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.documents.post_document import LETTER, SHEETS
from crm_desktop.errors import ValidationError
from crm_desktop.gui.shared.background import Background, Latest
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.pdf import PdfPreview, choose_printer, send_to_printer
from crm_desktop.paper import LABEL_SHEETS, PRINTED_ENVELOPES
from crm_desktop.services.admin.settings_service import BusinessSettings
from crm_desktop.services.mailing.letter_service import PLACEHOLDERS, Letters, LetterService
from crm_desktop.services.mailing.mailing_service import MailingService, Printout

LABELS, ENVELOPES, LETTERS = "labels", "envelopes", "letters"


@dataclass(frozen=True)
class Choice:
    """Whom to print for, as the dialog offers it: "The selected customers (3)"."""

    label: str
    customer_ids: tuple[int, ...]


@dataclass(frozen=True)
class Request:
    kind: str
    customer_ids: tuple[int, ...]
    marketing: bool
    sheet: str
    start_at: int
    envelope: str
    template: str = ""  # a letter's: its key, and its words as edited here
    body: str | None = None
    note: str | None = None


class StartGrid(QWidget):
    """The label sheet in miniature: a button per label; the chosen one and those after it
    are the ones printed, the ones before it are shown as used."""

    chosen = Signal(int)  # 1-based

    def __init__(self) -> None:
        super().__init__()
        self._grid = QGridLayout(self)
        self._grid.setSpacing(2)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QToolButton] = []
        self._start = 1

    def set_sheet(self, columns: int, rows: int) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for index in range(columns * rows):
            button = QToolButton()
            button.setText(str(index + 1))
            button.setFixedSize(36 if columns < 3 else 28, 18)
            button.setToolTip(f"Start at label {index + 1}")
            button.clicked.connect(lambda _checked=False, n=index + 1: self.chosen.emit(n))
            self._grid.addWidget(button, *divmod(index, columns))
            self.buttons.append(button)
        self.show_start(min(self._start, len(self.buttons)))

    def show_start(self, start: int) -> None:
        self._start = start
        for number, button in enumerate(self.buttons, 1):
            used = number < start
            button.setStyleSheet("color: #999; background: #ddd;" if used else
                                 "font-weight: bold;" if number == start else "")
            button.setAccessibleName(f"label {number}" + (", used" if used else ""))


class PostDialog(QDialog):
    printed = Signal(str)  # what went to the printer or a file, for the status bar
    letters_sent = Signal(list, str)  # the customers whose timelines have them, and the words

    def __init__(self, mailing: MailingService, background: Background, actor: Actor,
                 settings: BusinessSettings, choices: list[Choice], *, letters: LetterService,
                 kind: str = LABELS, template: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Letters, cards, labels and envelopes")
        self.resize(1020, 680)
        self._mailing = mailing
        self._letters = letters
        self.templates = letters.templates()
        self._actor = actor
        self._choices = choices
        self.printout: Printout | Letters | None = None
        self.pdf_document = QPdfDocument(self)  # before the preview: see PdfPreview
        self._latest: Latest[Request, Printout | Letters | str] = Latest(
            background, self._work, self._show)

        self.whom = QComboBox()
        for choice in choices:
            self.whom.addItem(choice.label)
        self.kinds = QButtonGroup(self)
        kind_row = QHBoxLayout()
        for name, text in ((LETTERS, "Le&tter or card"), (LABELS, "&Address labels"),
                           (ENVELOPES, "&Envelopes")):
            button = QRadioButton(text)
            button.setObjectName(name)
            self.kinds.addButton(button)
            kind_row.addWidget(button)
            button.setChecked(name == kind)
        kind_row.addStretch()

        label_box = self._label_options(settings)
        envelope_box = self._envelope_options(settings)
        self.options = QStackedWidget()
        self.options.addWidget(label_box)
        self.options.addWidget(envelope_box)
        self.options.addWidget(self._letter_options(template))

        self.summary = QLabel()
        self.busy = QProgressBar()  # moving while the PDF is being made (on the worker)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("summary")
        self.preview = PdfPreview(self.pdf_document)
        self.print_button = QPushButton("&Print…")
        self.print_button.clicked.connect(lambda _checked=False: self.print_to())
        self.save_button = QPushButton("Save as P&DF…")
        self.save_button.clicked.connect(lambda _checked=False: self.save_pdf())
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        left = QVBoxLayout()
        whom_box = self._whom_box(choices)
        what_box = QGroupBox("Print")
        what_layout = QVBoxLayout(what_box)
        what_layout.addLayout(kind_row)
        what_layout.addWidget(self.options)
        left.addWidget(whom_box)
        left.addWidget(what_box)
        left.addWidget(self.summary)
        left.addWidget(self.busy)
        left.addStretch()
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch()
        buttons.addWidget(close)
        left.addLayout(buttons)
        holder = QWidget()
        holder.setLayout(left)
        holder.setFixedWidth(460)
        layout = QHBoxLayout(self)
        layout.addWidget(holder)
        layout.addWidget(self.preview, 1)

        self.whom.currentIndexChanged.connect(self._whom_changed)
        self.kinds.buttonToggled.connect(self._kind_toggled)
        self.marketing.toggled.connect(self.refresh)
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        self.start_at.valueChanged.connect(self.refresh)
        self.envelope.currentIndexChanged.connect(self.refresh)
        self.template.currentIndexChanged.connect(self._template_changed)
        self.body.textChanged.connect(self._words_changed)
        self.note.textChanged.connect(self._words_changed)
        self._sheet_changed()

    def _label_options(self, settings: BusinessSettings) -> QWidget:
        self.sheet = QComboBox()
        for name, title in LABEL_SHEETS.items():
            self.sheet.addItem(title, name)
        self.sheet.setCurrentIndex(max(0, self.sheet.findData(settings.label_sheet)))
        self.start_at = QSpinBox()
        self.start_at.setMinimum(1)
        self.grid = StartGrid()
        self.grid.chosen.connect(self.start_at.setValue)
        self.start_at.valueChanged.connect(self.grid.show_start)
        box = QWidget()
        label_form = QFormLayout(box)
        label_form.setContentsMargins(0, 0, 0, 0)
        label_form.addRow("&Sheet:", self.sheet)
        label_form.addRow("Start at &label:", self.start_at)
        label_form.addRow("", QLabel("Click the first free label of a partly used sheet:"))
        label_form.addRow("", self.grid)

        return box

    def _letter_options(self, chosen: str) -> QWidget:
        self._filling = False  # the template's words are being put in the boxes
        self._edited = False  # the words were changed here, for this letter only
        self.template = QComboBox()
        for template in self.templates:
            self.template.addItem(template.name, template.key)
        self.template.setCurrentIndex(max(0, self.template.findData(chosen)))
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("The typed part of the letter")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("The handwritten part")
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 5 + 12)
        hint = QLabel("Changes here are for this letter only (the shop's own words are in "
                      "File → The shop's letters and cards…). Placeholders: "
                      + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS) + ".")
        hint.setWordWrap(True)
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Letter:", self.template)
        form.addRow("Typed:", self.body)
        form.addRow("By hand:", self.note)
        form.addRow("", hint)
        self._fill_words()
        return box

    def _fill_words(self) -> None:
        template = self.templates[max(0, self.template.currentIndex())]
        self._filling = True
        self.body.setPlainText(template.body)
        self.body.setEnabled(template.kind == LETTER)
        self.note.setPlainText(template.note)
        self._filling = False
        self._edited = False

    def _template_changed(self) -> None:
        self._fill_words()
        self.refresh()

    def _words_changed(self) -> None:
        if not self._filling:
            self._edited = True
            self.refresh()

    def _envelope_options(self, settings: BusinessSettings) -> QWidget:
        self.envelope = QComboBox()
        for name, title in PRINTED_ENVELOPES.items():
            self.envelope.addItem(title, name)
        self.envelope.setCurrentIndex(max(0, self.envelope.findData(settings.post_envelope)))
        box = QWidget()
        envelope_form = QFormLayout(box)
        envelope_form.setContentsMargins(0, 0, 0, 0)
        envelope_form.addRow("En&velope:", self.envelope)
        feed = QLabel(feed_hint(settings))
        feed.setWordWrap(True)
        envelope_form.addRow("", feed)
        return box

    # ---- what is asked -------------------------------------------------------------------

    def choose_kind(self, kind: str) -> None:
        for button in self.kinds.buttons():
            if button.objectName() == kind:
                button.setChecked(True)

    @property
    def kind(self) -> str:
        checked = self.kinds.checkedButton()
        return checked.objectName() if checked is not None else LABELS

    def request(self) -> Request:
        edited = self.kind == LETTERS and self._edited
        return Request(self.kind, self._choices[self.whom.currentIndex()].customer_ids,
                       self.marketing.isChecked(), str(self.sheet.currentData()),
                       self.start_at.value(), str(self.envelope.currentData()),
                       str(self.template.currentData() or ""),
                       self.body.toPlainText() if edited else None,
                       self.note.toPlainText() if edited else None)

    def _whom_box(self, choices: list[Choice]) -> QGroupBox:
        box = QGroupBox("For")
        layout = QVBoxLayout(box)
        layout.addWidget(self.whom)
        self.marketing = QCheckBox("Offers or news: only those who agreed to post")
        # Ticked for a group unless the person says otherwise: post to many is most often an
        # offer, and an offer goes only to those who agreed; one customer's letter is not.
        self.marketing.setChecked(len(choices[0].customer_ids) > 1)
        self._marketing_chosen = False
        self.marketing.clicked.connect(self._marketing_clicked)
        self.marketing.setToolTip("For offers or a newsletter, leave out whoever did not "
                                  "agree to hear from the shop by post")
        layout.addWidget(self.marketing)
        return box

    def _marketing_clicked(self) -> None:
        self._marketing_chosen = True  # the person's own choice now stands

    def _whom_changed(self, index: int) -> None:
        if not self._marketing_chosen:
            self.marketing.blockSignals(True)
            self.marketing.setChecked(len(self._choices[index].customer_ids) > 1)
            self.marketing.blockSignals(False)
        self.refresh()

    def _kind_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.refresh()

    def _sheet_changed(self) -> None:
        sheet = SHEETS[str(self.sheet.currentData())]
        self.start_at.setMaximum(sheet.per_sheet)
        self.grid.set_sheet(sheet.columns, sheet.rows)
        self.refresh()

    def refresh(self) -> None:
        """Build the PDF for what is chosen now, on the worker; the newest choice wins."""
        self.options.setCurrentIndex({LABELS: 0, ENVELOPES: 1, LETTERS: 2}[self.kind])
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.summary.setText("Preparing…")
        self.busy.show()
        self._latest.request(self.request())

    @property
    def pending(self) -> bool:
        return self._latest.pending

    # ---- the worker and its result --------------------------------------------------------

    def _work(self, request: Request) -> Printout | Letters | str:
        mailing, actor = self._mailing, self._actor  # services and values, never a widget
        try:
            if request.kind == LETTERS:
                return self._letters.compose(request.customer_ids, request.template, actor,
                                             marketing=request.marketing, body=request.body,
                                             note=request.note)
            if request.kind == LABELS:
                return mailing.labels(request.customer_ids, actor,
                                      marketing=request.marketing, sheet=request.sheet,
                                      start_at=request.start_at)
            return mailing.envelopes(request.customer_ids, actor, marketing=request.marketing,
                                     size=request.envelope)
        except ValidationError as refused:  # said under the preview, not in a dialog
            return refused.message

    def _show(self, result: Printout | Letters | str) -> None:
        self.busy.setVisible(self.pending)
        if isinstance(result, str):
            self.printout = None
            self.summary.setText(result)
            self.pdf_document.close()
            return
        self.printout = result
        self.summary.setText(result.mailing.summary(self._noun()))
        self.preview.show_pdf(result.pdf)
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)

    # ---- out -------------------------------------------------------------------------------

    def _title(self) -> str:
        if isinstance(self.printout, Letters):
            return self.printout.template.name
        return "Address labels" if self.kind == LABELS else "Envelopes"

    def _noun(self) -> str:
        if isinstance(self.printout, Letters):
            return "letter" if self.printout.template.kind == LETTER else "card"
        return "label" if self.kind == LABELS else "envelope"

    def print_to(self, printer: QPrinter | None = None) -> bool:
        """The system print dialog, then the PDF the preview shows."""
        printout = self.printout
        if printout is None:
            return False
        chosen = printer or choose_printer(self, f"Print {self._title().lower()}")
        if chosen is None:
            return False
        title = self._title()

        def send() -> bool:
            send_to_printer(printout.pdf, chosen, title)
            return True

        if not attempt(self, send):
            return False
        said = f"Sent to the printer: {printout.mailing.summary(self._noun())}"
        if isinstance(printout, Letters):  # on each customer's timeline, with its words
            letters, actor = self._letters, self._actor
            if attempt(self, lambda: letters.record_sent(printout, actor)) is None:
                return False
            self.letters_sent.emit(list(printout.texts), said)
        else:
            self.printed.emit(said)
        return True

    def save_pdf(self, path: Path | None = None) -> Path | None:
        printout = self.printout
        if printout is None:
            return None
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Save as PDF", f"{self._title().lower()}.pdf", "PDF (*.pdf)")
            if not chosen:
                return None
            path = Path(chosen)
        target = path

        def write() -> Path:
            target.write_bytes(printout.pdf)
            return target

        saved = attempt(self, write)
        if saved is not None:
            self.printed.emit(f"Saved {saved.name}.")
        return saved


def feed_hint(settings: BusinessSettings) -> str:
    """How to put the envelopes in, as the shop's settings say the printer takes them."""
    face = "face up" if settings.envelope_face_up else "face down"
    if settings.envelope_feed == "envelope":
        return f"Put the envelopes in the printer's envelope slot, {face}."
    where = "in the middle of" if settings.envelope_feed == "centre" else \
        "against the left edge of"
    return f"Put the envelopes {face}, short side first, {where} the paper tray."
