"""Reports for the owner and the customers we may lose: worked out on the worker thread, shown
on the Reports page, printed or saved in the invoices' house style, exported as CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog

from crm_desktop.documents.report_document import Drill, Period, Report, Row, Table
from crm_desktop.documents.report_output import write_csv, write_table_csv
from crm_desktop.formatting import Formatter
from crm_desktop.gui.reports.behind_dialog import BehindDialog
from crm_desktop.gui.reports.reports_page import REPORTS, ReportsPage
from crm_desktop.gui.shared.background import Latest
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.gui.shared.pdf import choose_printer, send_to_printer
from crm_desktop.paper import PAPER_LETTER
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.reports.report_service import ReportService

# What each report shows, so it is worked out again when one of these changes.
SHOWS = {
    "sales": Change.INVOICES | Change.ORDERS,
    "owed": Change.INVOICES,
    "follow_ups": Change.FOLLOW_UPS,
    "queries": Change.QUERIES,
    "feedback": Change.FEEDBACK,
    "customers": Change.CUSTOMERS | Change.FEEDBACK | Change.ORDERS,
    "at_risk": Change.CUSTOMERS | Change.FEEDBACK | Change.INVOICES | Change.FOLLOW_UPS
    | Change.ORDERS | Change.HISTORY,
}


class ReportsController(Controller):
    open_customer = Signal(int)
    open_invoice = Signal(int)
    follow_up = Signal(int, str)  # a customer to follow up, and why
    write_to = Signal(int, str)  # a letter to a customer: their id, the letter's key

    def __init__(self, desk: Desk, reports: ReportService, settings: SettingsService) -> None:
        super().__init__(desk)
        self._reports = reports
        self._settings = settings
        shown = tuple(key for key, _label in REPORTS
                      if key != "sales" or desk.access.can(Permission.SEE_REVENUE))
        self.page = ReportsPage(desk.formatter, reports.today(), reports=shown)
        self.behind_dialog: BehindDialog | None = None
        self._latest: Latest[tuple[str, Period | None], Report] = Latest(
            desk.background, self._work_out, self.page.show_report)
        page = self.page
        page.requested.connect(lambda key, period: self._latest.request((key, period)))
        page.drill.connect(self.show_behind)
        page.open_row.connect(self.open_row)
        page.follow_up.connect(self.follow_up_row)
        page.remind.connect(self.remind_row)
        page.print_report.connect(self.print_report)
        page.save_pdf.connect(self.save_pdf)
        page.export_csv.connect(self.export_csv)
        desk.access.gate(Permission.FOLLOW_UP, page.follow_button)
        desk.access.gate(Permission.SEND_POST, page.remind_button)

    def _work_out(self, asked: tuple[str, Period | None]) -> Report:
        key, period = asked
        actor, reports = self.actor, self._reports
        if key == "owed":
            return reports.money_owed(actor)
        if key == "at_risk":
            return reports.at_risk_report(actor)
        assert period is not None
        by_key: dict[str, Callable[[Period], Report]] = {
            "sales": lambda p: reports.sales(p, actor),
            "follow_ups": lambda p: reports.follow_ups(p, actor),
            "queries": lambda p: reports.queries(p, actor),
            "feedback": lambda p: reports.feedback(p, actor),
            "customers": lambda p: reports.customers(p, actor),
        }
        return by_key[key](period)

    def show_reports(self, key: str | None = None) -> None:
        self.page.set_today(self._reports.today())
        if key is not None:
            self.page.show_tab(key)
        self.desk.shell.show_page(self.page)
        self.page.refresh()

    def on_changed(self, changes: Changes) -> None:
        if self.desk.shell.is_current(self.page) and changes.touches(
                SHOWS.get(self.page.key(), Change(0))):
            self.page.refresh()

    def set_formatter(self, formatter: Formatter) -> None:
        self.page.set_formatter(formatter)

    # ---- the rows behind a figure, and what a row leads to ---------------------------------

    def show_behind(self, drill: Drill) -> BehindDialog | None:
        table = attempt(self.window, lambda: self._reports.behind(drill, self.actor))
        if table is None:
            return None
        dialog = BehindDialog(table, self.desk.formatter, self.window)
        dialog.open_row.connect(self.open_row)
        dialog.export_csv.connect(self._export_table)
        dialog.finished.connect(dialog.deleteLater)
        self.behind_dialog = dialog
        dialog.show()
        return dialog

    def open_row(self, row: Row) -> None:
        if row.invoice_id is not None:
            self.open_invoice.emit(row.invoice_id)
        elif row.customer_id is not None:
            self.open_customer.emit(row.customer_id)

    def follow_up_row(self, row: Row) -> None:
        if row.customer_id is None:
            return
        key = self.page.key()
        why = str(row.cells[2]) if key == "at_risk" and len(row.cells) > 2 else ""
        purpose = {"owed": "Chase the unpaid invoices",
                   "at_risk": f"Check in: {why}"[:500] if why else "Check in"}.get(key, "")
        self.follow_up.emit(row.customer_id, purpose)

    def remind_row(self, row: Row) -> None:
        if row.customer_id is not None:
            self.write_to.emit(row.customer_id, "payment_reminder")

    # ---- print, PDF, CSV -----------------------------------------------------------------

    def pdf(self, report: Report) -> bytes:
        # ReportLab is imported when a report is first printed, not at start-up (#16).
        from reportlab.lib.pagesizes import A4, LETTER  # noqa: PLC0415

        from crm_desktop.documents import report_pdf  # noqa: PLC0415

        settings = self._settings.business()
        return report_pdf.render(
            report, self.desk.formatter, shop_name=settings.shop_name,
            printed_on=self._reports.today(),
            page_size=LETTER if settings.paper == PAPER_LETTER else A4)

    def print_report(self, printer: QPrinter | None = None) -> bool:
        """On the printer chosen in the system's dialog (or the one given)."""
        report = self.page.report
        if report is None:
            return False
        printer = printer or choose_printer(self.window, f"Print {report.title}")
        if printer is None:
            return False
        chosen = printer
        pdf = attempt(self.window, lambda: self.pdf(report))
        if pdf is None:
            return False

        def send() -> bool:
            send_to_printer(pdf, chosen, report.title)
            return True

        if not attempt(self.window, send):
            return False
        self.desk.ops.say(f"{report.title} sent to the printer")
        return True

    def save_pdf(self, path: Path | None = None) -> Path | None:
        report = self.page.report
        if report is None:
            return None
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self.window, "Save the report as PDF", f"{_file_name(report)}.pdf",
                "PDF (*.pdf)")
            if not chosen:
                return None
            path = Path(chosen)
        target = path
        pdf = attempt(self.window, lambda: self.pdf(report))
        if pdf is None or attempt(self.window, lambda: target.write_bytes(pdf)) is None:
            return None  # (write_bytes gives the number of bytes written)
        self.desk.ops.say(f"Saved to {target}")
        return target

    def export_csv(self, path: Path | None = None) -> Path | None:
        report = self.page.report
        if report is None:
            return None
        return self._write_csv(f"{_file_name(report)}.csv", path,
                               lambda out: write_csv(report, out))

    def _export_table(self, table: Table) -> None:
        self._write_csv(f"{table.title.replace('/', '-').replace(':', '')}.csv", None,
                        lambda out: write_table_csv(table, out))

    def _write_csv(self, name: str, path: Path | None,
                   write: Callable[..., None]) -> Path | None:
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self.window, "Export as CSV", name, "CSV files (*.csv)")
            if not chosen:
                return None
            path = Path(chosen)
        target = path

        def save() -> bool:
            with target.open("w", encoding="utf-8-sig", newline="") as out:
                write(out)
            return True

        if not attempt(self.window, save):
            return None
        self.desk.ops.say(f"Saved to {target}")
        return target


def _file_name(report: Report) -> str:
    period = report.period
    if period.start == period.end:
        return f"{report.title} {period.start.isoformat()}"
    return f"{report.title} {period.start.isoformat()} to {period.end.isoformat()}"

