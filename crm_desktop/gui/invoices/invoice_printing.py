"""Printing invoices in a batch (one invoice is printed from its window, through
``gui.shared.pdf``).

Batch printing runs on a worker thread with a progress dialog and Cancel; each invoice is
marked printed as soon as it has gone to the printer, so a cancelled or failed run never
prints one twice or forgets one. Where the shop sends a return envelope with each invoice, the
envelopes for every invoice printed follow as one job at the end: one stack of envelopes in
the printer, not one between every two invoices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QProgressDialog, QWidget

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError
from crm_desktop.gui.shared.pdf import send_to_printer
from crm_desktop.services.invoices.invoice_service import InvoiceService

log = logging.getLogger(__name__)
# The return envelopes for these customers, as one PDF (called on the worker).
ReturnEnvelopes = Callable[[Sequence[int]], bytes]


class _BatchWorker(QObject):
    progress = Signal(int, str)  # how many done, what is printing now
    failed = Signal(str)
    finished = Signal(int)  # how many printed

    def __init__(self, invoices: InvoiceService, actor: Actor, invoice_ids: Sequence[int],
                 printer: QPrinter, *, use_lp: bool,
                 return_envelopes: ReturnEnvelopes | None) -> None:
        super().__init__()
        self._invoices = invoices
        self._actor = actor
        self._ids = list(invoice_ids)
        self._printer = printer
        self._use_lp = use_lp
        self._return_envelopes = return_envelopes
        self.cancelled = False

    def run(self) -> None:
        printed = 0
        customers: list[int] = []
        try:
            for invoice_id in self._ids:
                if self.cancelled:
                    break
                invoice = self._invoices.get(invoice_id)
                self.progress.emit(printed, f"{invoice.title} for {invoice.customer_name}")
                send_to_printer(self._invoices.pdf(invoice_id), self._printer, invoice.title,
                                use_lp=self._use_lp)
                self._invoices.mark_printed([invoice_id], self._actor)
                customers.append(invoice.customer_id)
                printed += 1
            if customers and self._return_envelopes is not None:
                self.progress.emit(printed, f"{len(customers):,} return envelope(s)")
                send_to_printer(self._return_envelopes(customers), self._printer,
                                "Return envelopes", use_lp=self._use_lp, beside=True)
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
                 printer: QPrinter, parent: QWidget, *, use_lp: bool = True,
                 return_envelopes: ReturnEnvelopes | None = None) -> None:
        super().__init__(parent)
        self.total = len(invoice_ids)
        self.error = ""
        self.dialog = QProgressDialog("Printing invoices…", "Cancel", 0, self.total, parent)
        self.dialog.setWindowTitle("Printing")
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self._thread = QThread(self)
        self._worker = _BatchWorker(invoices, actor, invoice_ids, printer, use_lp=use_lp,
                                    return_envelopes=return_envelopes)
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
            self.dialog.setLabelText(f"Printing {current} ({printed + 1} of {self.total})…"
                                     if printed < self.total else f"Printing {current}…")

    def _failed(self, message: str) -> None:
        self.error = message

    def _finished(self, printed: int) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.close()
        self.done.emit(printed, self.error)


def run_batch(invoices: InvoiceService, actor: Actor, invoice_ids: Sequence[int], *,
              printer: QPrinter, parent: QWidget, on_done: Callable[[int, str], None],
              use_lp: bool = True, return_envelopes: ReturnEnvelopes | None = None
              ) -> BatchPrint:
    batch = BatchPrint(invoices, actor, invoice_ids, printer, parent, use_lp=use_lp,
                       return_envelopes=return_envelopes)
    batch.done.connect(on_done)
    batch.start()
    return batch
