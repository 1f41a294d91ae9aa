"""Printing invoices from the app: the system print dialog, then the very PDF the preview shows.

Where the chosen printer is a CUPS queue (Linux, macOS) the PDF goes to it as it is, through
``lp``: vectors, identical to the preview. "Print to file" writes the PDF itself. Anywhere
else each page is rendered by QtPdf at the printer's resolution and painted on the QPrinter.

Batch printing runs on a worker thread with a progress dialog and Cancel; each invoice is
marked printed as soon as it has gone to the printer, so a cancelled or failed run never
prints one twice or forgets one.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QObject,
    QRect,
    QSize,
    QThread,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError, PrintingError
from crm_desktop.printing import print_pdf
from crm_desktop.services.invoices.invoice_service import InvoiceService

log = logging.getLogger(__name__)
RASTER_DPI = 300


def load_pdf(pdf: bytes) -> QPdfDocument:
    """A QPdfDocument over ``pdf`` (the buffer it reads is the document's child)."""
    document = QPdfDocument()
    buffer = QBuffer(document)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise PrintingError("The invoice could not be prepared for printing.")
    return document


def choose_printer(parent: QWidget, title: str) -> QPrinter | None:
    """The system print dialog; the printer the person chose, or None if they cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def send_to_printer(pdf: bytes, printer: QPrinter, title: str, *, use_lp: bool = True) -> None:
    """Print ``pdf`` on the printer the person chose in the print dialog."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        with open(printer.outputFileName(), "wb") as out:  # noqa: PTH123 - Qt gives a str
            out.write(pdf)
        return
    if use_lp and printer.printerName() and shutil.which("lp"):
        for _copy in range(max(1, printer.copyCount())):
            print_pdf(pdf, title=title, printer=printer.printerName())
        return
    paint_pdf(pdf, printer, title)


def paint_pdf(pdf: bytes, printer: QPrinter, title: str) -> None:
    """Render each page with QtPdf and paint it, page for page, on ``printer``."""
    document = load_pdf(pdf)
    try:
        printer.setDocName(title)
        printer.setResolution(RASTER_DPI)
        points = document.pagePointSize(0)
        printer.setFullPage(True)
        printer.setPageLayout(QPageLayout(QPageSize(points, QPageSize.Unit.Point),
                                          QPageLayout.Orientation.Portrait, QMarginsF()))
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintingError(f"The printer “{printer.printerName()}” could not be started.")
        try:
            for page in range(document.pageCount()):
                if page:
                    printer.newPage()
                target = printer.pageLayout().fullRectPixels(printer.resolution())
                image = document.render(page, QSize(target.width(), target.height()))
                white = QImage(image.size(), QImage.Format.Format_RGB32)
                white.fill(QColor("white"))  # QtPdf renders on transparency
                with_background = QPainter(white)
                with_background.drawImage(0, 0, image)
                with_background.end()
                painter.drawImage(QRect(0, 0, target.width(), target.height()), white)
        finally:
            painter.end()
    finally:
        document.deleteLater()


class _BatchWorker(QObject):
    progress = Signal(int, str)  # how many done, what is printing now
    failed = Signal(str)
    finished = Signal(int)  # how many printed

    def __init__(self, invoices: InvoiceService, actor: Actor, invoice_ids: Sequence[int],
                 printer: QPrinter, use_lp: bool) -> None:
        super().__init__()
        self._invoices = invoices
        self._actor = actor
        self._ids = list(invoice_ids)
        self._printer = printer
        self._use_lp = use_lp
        self.cancelled = False

    def run(self) -> None:
        printed = 0
        try:
            for invoice_id in self._ids:
                if self.cancelled:
                    break
                invoice = self._invoices.get(invoice_id)
                self.progress.emit(printed, f"{invoice.title} for {invoice.customer_name}")
                send_to_printer(self._invoices.pdf(invoice_id), self._printer, invoice.title,
                                use_lp=self._use_lp)
                self._invoices.mark_printed([invoice_id], self._actor)
                printed += 1
        except CrmError as exc:
            self.failed.emit(exc.message)
        except Exception:  # a bug: logged with details, the person told plainly
            log.exception("batch printing failed")
            self.failed.emit("Printing stopped because of an unexpected problem; the details "
                             "are in the log file.")
        self.progress.emit(printed, "")
        self.finished.emit(printed)


class BatchPrint(QObject):
    """Print ``invoice_ids`` one after another off the UI thread, with progress and Cancel."""

    done = Signal(int, str)  # printed, error message ("" if none)

    def __init__(self, invoices: InvoiceService, actor: Actor, invoice_ids: Sequence[int],
                 printer: QPrinter, parent: QWidget, *, use_lp: bool = True) -> None:
        super().__init__(parent)
        self.total = len(invoice_ids)
        self.error = ""
        self.dialog = QProgressDialog("Printing invoices…", "Cancel", 0, self.total, parent)
        self.dialog.setWindowTitle("Printing")
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self._thread = QThread(self)
        self._worker = _BatchWorker(invoices, actor, invoice_ids, printer, use_lp)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._progress)
        self._worker.failed.connect(self._failed)
        self._worker.finished.connect(self._finished)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        self.dialog.show()
        self._thread.start()

    def cancel(self) -> None:
        self._worker.cancelled = True  # read by the worker between two invoices
        self.dialog.setLabelText("Cancelling after this invoice…")

    def _progress(self, printed: int, current: str) -> None:
        self.dialog.setValue(printed)
        if current:
            self.dialog.setLabelText(f"Printing {current} ({printed + 1} of {self.total})…")

    def _failed(self, message: str) -> None:
        self.error = message

    def _finished(self, printed: int) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.close()
        self.done.emit(printed, self.error)


def run_batch(invoices: InvoiceService, actor: Actor, invoice_ids: Sequence[int], *,
              printer: QPrinter, parent: QWidget, on_done: Callable[[int, str], None],
              use_lp: bool = True) -> BatchPrint:
    batch = BatchPrint(invoices, actor, invoice_ids, printer, parent, use_lp=use_lp)
    batch.done.connect(on_done)
    batch.start()
    return batch
