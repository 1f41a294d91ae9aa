"""The Reports page as the owner uses it on Monday morning, and what a receptionist sees:
the hand-made shop of tests/core/reports/shop.py, whose figures are known."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.follow_ups.follow_up_dialogs import FollowUpDialog
from crm_desktop.gui.invoices.invoice_window import InvoiceWindow
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.gui.reports.report_view import ReportTable
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import Role
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.reports.at_risk import AtRiskCustomer
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock, PrintQueue
from tests.core.reports.shop import Shop, build
from tests.passwords import FIRST_PASSWORD
from tests.pdf_tools import text


def _open_reports(qtbot: QtBot, window: MainWindow, tab: str) -> None:
    window.nav.setCurrentRow(NAV_ITEMS.index("Reports"))
    page = window.reports.page
    assert window.stack.currentWidget() is page
    labels = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    page.tabs.setCurrentIndex(labels.index(tab))
    _landed(qtbot, window)


def _landed(qtbot: QtBot, window: MainWindow) -> None:
    page = window.reports.page
    qtbot.waitUntil(lambda: page.view is not None and page.stack.currentWidget() is page.view
                    and page.report is not None
                    and page.report.title == page.tabs.tabText(page.tabs.currentIndex()))


def _figure(window: MainWindow, label: str) -> str:
    view = window.reports.page.view
    assert view is not None
    return view.figure_labels[label].text()


def _cells(table: ReportTable, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _choose(table: ReportTable, text_: str) -> None:
    row = _cells(table, 0).index(text_)
    table.selectRow(row)


def test_the_owner_reads_sales_against_last_year_and_sees_the_invoices_behind_a_month(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock, tmp_path: Path) -> None:
    build(db, owner, clock)
    window = make_window()
    _open_reports(qtbot, window, "Sales")
    page = window.reports.page
    page.period.setCurrentIndex(page.period.findData("This quarter"))
    _landed(qtbot, window)
    assert page.report is not None and page.report.period.label == "This quarter"
    assert (_figure(window, "Sales"), _figure(window, "A year before"),
            _figure(window, "Average order")) == ("$200.30", "$200.00", "$75.08")
    view = page.view
    assert view is not None and len(view.charts) == 1
    months = view.tables["By month"]
    assert _cells(months, 0) == ["Jan 2026", "Feb 2026", "Mar 2026", "Total"]
    assert _cells(months, 3) == ["—", "—", "-75%", "0.2%"]

    # Double-click March: the invoices issued in it, the credit note among them.
    months.cellDoubleClicked.emit(2, 0)
    dialog = window.reports.behind_dialog
    assert dialog is not None and dialog.isVisible()
    assert _cells(dialog.table, 4) == ["$100.00", "-$100.00", "$50.00"]
    dialog.table.selectRow(0)
    dialog.open_button.click()
    [invoice] = window.findChildren(InvoiceWindow)
    assert invoice.invoice.customer_name == "Alecia"
    invoice.close()
    dialog.close()

    # Printed to PDF and exported as CSV, with the same figures.
    pdf = window.reports.save_pdf(tmp_path / "sales.pdf")
    assert pdf is not None
    words = text(pdf)
    assert "Sales" in words and "$200.30" in words and "This quarter" in words
    exported = window.reports.export_csv(tmp_path / "sales.csv")
    assert exported is not None
    with exported.open(encoding="utf-8-sig") as saved:
        rows = list(csv.reader(saved))
    assert ["Sales", "200.30"] in rows
    assert ["2026-03", "50.00", "200.00", "-0.75"] in rows


def test_the_owner_sees_what_is_owed_by_age_and_chases_the_oldest(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock, tmp_path: Path) -> None:
    build(db, owner, clock)
    window = make_window()
    _open_reports(qtbot, window, "Money owed")
    page = window.reports.page
    assert not page.period.isVisible() and page.as_of.text() == "As of today, Mar 2, 2026"
    assert (_figure(window, "Owed"), _figure(window, "Overdue")) == ("$380.00", "$325.00")
    view = page.view
    assert view is not None
    assert _cells(view.tables["Ageing"], 2) == ["$55.00", "$55.00", "$50.00", "$0.00",
                                                "$220.00", "$380.00"]
    per_customer = view.tables["Per customer"]
    assert _cells(per_customer, 0) == ["Jim", "Alecia", "Margo"]
    _choose(per_customer, "Jim")
    assert page.follow_button.isEnabled() and page.remind_button.isEnabled()
    page.follow_button.click()
    [follow_up] = window.findChildren(FollowUpDialog)
    assert follow_up.purpose.text() == "Chase the unpaid invoices"
    follow_up.reject()
    page.remind_button.click()
    post = window.mailing.dialog
    assert post is not None
    assert post.template.currentData() == "payment_reminder"
    post.close()


def test_the_customers_we_may_lose_each_say_why_and_the_worst_are_on_today(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock) -> None:
    shop: Shop = build(db, owner, clock)
    window = make_window()
    page = window.follow_ups.today_page
    # Worked out on a worker, after the rest of the day is on screen.
    qtbot.waitUntil(lambda: "Customers we may lose" in page.sections())
    assert page.sections()["Customers we may lose"] == ["Jim", "Margo", "Alecia"]
    # A later refresh of the day keeps them, and the worker's news replaces them.
    window.follow_ups.refresh_today()
    assert page.sections()["Customers we may lose"] == ["Jim", "Margo", "Alecia"]
    window.background.wait()
    assert list(page.sections()).count("Customers we may lose") == 1
    row = window.follow_ups.today_page.find_row("An invoice 343 days overdue")
    assert row is not None and isinstance(row.data(0, Qt.ItemDataRole.UserRole), AtRiskCustomer)

    _open_reports(qtbot, window, "Customers we may lose")
    view = window.reports.page.view
    assert view is not None
    table = view.tables["Customers we may lose"]
    assert _cells(table, 1) == ["Jim", "Margo", "Alecia"]
    assert _cells(table, 0) == ["9", "5", "2"]
    assert _cells(table, 2)[0].startswith("Complained 25 days ago, no apology recorded; ")
    table.cellDoubleClicked.emit(1, 1)  # opens Margo
    assert window.customers.current_customer_id() == shop.margo


def test_a_receptionist_sees_no_revenue_and_the_reports_follow_the_shop(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        app_home: AppPaths) -> None:
    build(db, owner, clock)
    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    window = build_main_window(db, rita, open_ui_state(app_home), app_home)
    qtbot.addWidget(window)
    window.show()
    page = window.reports.page
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Sales" not in tabs and tabs[0] == "Money owed"
    _open_reports(qtbot, window, "Money owed")
    assert _figure(window, "Owed") == "$380.00"
    # A custom period that ends before it starts says so and asks nothing.
    _open_reports(qtbot, window, "Follow-ups")
    page.period.setCurrentIndex(page.period.findData("custom"))
    _landed(qtbot, window)
    assert page.since.isVisible() and page.until.isVisible()
    page.since.setDate(page.until.date().addDays(3))
    assert page.stack.currentWidget() is page.status
    assert "ends before it starts" in page.status.text()
    QApplication.processEvents()
    assert not page.pdf_button.isEnabled()


def test_the_file_dialogs_are_offered_with_a_name_for_the_report(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(db, owner, clock)
    window = make_window()
    _open_reports(qtbot, window, "Queries")
    offered: list[str] = []

    def save_file_name(_parent: object, _title: str, name: str, _filter: str
                       ) -> tuple[str, str]:
        offered.append(name)
        return str(tmp_path / name), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_file_name)
    window.reports.page.csv_button.click()
    window.reports.page.pdf_button.click()
    assert offered == ["Queries 2026-01-01 to 2026-12-31.csv",
                       "Queries 2026-01-01 to 2026-12-31.pdf"]
    assert (tmp_path / offered[1]).read_bytes().startswith(b"%PDF")


def test_a_report_prints_on_a_real_printer_and_the_rows_behind_it_export(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock, printer: PrintQueue, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    build(db, owner, clock)
    window = make_window()
    _open_reports(qtbot, window, "Money owed")
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    assert window.reports.print_report(chosen)
    [printed] = printer.printed(before)
    assert "Money owed" in text(printed) and "$380.00" in text(printed)
    # The invoices behind the oldest bucket, saved for the bookkeeper.
    view = window.reports.page.view
    assert view is not None
    view.tables["Ageing"].cellDoubleClicked.emit(4, 0)
    dialog = window.reports.behind_dialog
    assert dialog is not None
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, name, _f: (str(tmp_path / name), ""))
    dialog.csv_button.click()
    saved = tmp_path / "Unpaid invoices over 90 days.csv"
    with saved.open(encoding="utf-8-sig") as out:
        rows = list(csv.reader(out))
    assert rows[0][:4] == ["Number", "Issued", "Due", "Customer"]
    assert [(r[3], r[5], r[6]) for r in rows[1:]] == [("Jim", "220.00", "343")]
