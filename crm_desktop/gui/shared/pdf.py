"""A PDF on screen and on paper: the preview that shows the very PDF that prints, and the
way to print it.

Where the chosen printer is a CUPS queue (Linux, macOS) the PDF goes to it as it is, through
``lp``: vectors, identical to the preview. "Print to file" writes the PDF itself. Anywhere
else each page is rendered by QtPdf at the printer's resolution and painted on the QPrinter.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRect, QSize
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from crm_desktop.errors import PrintingError
from crm_desktop.printing import print_pdf

RASTER_DPI = 300


def load_pdf(pdf: bytes) -> QPdfDocument:
    """A QPdfDocument over ``pdf`` (the buffer it reads is the document's child)."""
    document = QPdfDocument()
    buffer = QBuffer(document)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise PrintingError("The document could not be prepared for printing.")
    return document


def choose_printer(parent: QWidget, title: str) -> QPrinter | None:
    """The system print dialog; the printer the person chose, or None if they cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def send_to_printer(pdf: bytes, printer: QPrinter, title: str, *, use_lp: bool = True,
                    beside: bool = False) -> None:
    """Print ``pdf`` on the printer the person chose in the print dialog. ``beside``: when
    the print goes to a file, this one goes to a file of its own next to it, named after
    ``title`` (a return envelope after its invoice), instead of over it."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        target = Path(printer.outputFileName())
        if beside:
            target = target.with_name(f"{target.stem} – {title.replace('/', '-')}.pdf")
        target.write_bytes(pdf)
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


class PdfPreview(QPdfView):
    """The PDF at the width of the view, page after page."""

    def __init__(self, document: QPdfDocument) -> None:
        # The document is not the view's child: deleting it emits statusChanged, which a
        # half-destroyed view would receive (a crash). Its owner creates it before the view,
        # so it is also deleted first.
        super().__init__()
        self.pdf_document = document
        self._buffer: QBuffer | None = None
        self.setDocument(document)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.Custom)
        self.setPageSpacing(12)
        self.setMinimumWidth(260)

    def show_pdf(self, pdf: bytes) -> None:
        # One document, reloaded: QPdfView renders on a thread of its own, so a document it
        # may still be drawing from is never deleted under it.
        buffer = QBuffer(self.pdf_document)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        self._fit_width()
        self.pageNavigator().jump(0, QPointF(), 1.0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_width()

    def _fit_width(self) -> None:
        if self.pdf_document.pageCount() == 0:
            return
        points = self.pdf_document.pagePointSize(0).width()
        pixels = points * self.logicalDpiX() / 72
        self.setZoomFactor(max(0.2, (self.viewport().width() - 24) / pixels))
