"""A report as a PDF: the figures as a person reads them, every font embedded, a valid file,
long tables over several pages with their header repeated, and Letter paper when the shop
uses it. Read back with poppler."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from reportlab.lib.pagesizes import LETTER

from crm_desktop.documents import report_pdf
from crm_desktop.documents.report_document import (
    Chart,
    ChartKind,
    Column,
    Figure,
    Kind,
    Period,
    Report,
    Row,
    Series,
    Table,
)
from crm_desktop.formatting import Formatter
from tests.pdf_tools import page_size, pages, text

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31), "This quarter")


def _report(rows: int = 3) -> Report:
    months = (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))
    return Report(
        "sales", "Sales", PERIOD,
        figures=(Figure("Sales", D("14711586.18"), Kind.MONEY, "before tax"),
                 Figure("Change", D("0.0527"), Kind.PERCENT),
                 Figure("Median to first answer", D("14.8"), Kind.HOURS)),
        charts=(Chart("Sales by month", ChartKind.BARS, months,
                      (Series("This period", (D("1099120.07"), D("0"), D("50.00"))),
                       Series("A year before", (D("874809.51"), D("1"), D("2")))),
                      money=True, table="By month"),),
        tables=(Table("By month", (Column("Month", Kind.MONTH), Column("Sales", Kind.MONEY)),
                      tuple(Row((months[i % 3], D(i))) for i in range(rows)),
                      total=Row(("Total", D("123.45")))),),
        notes=("Sales are invoices issued in the period.",))


def _write(tmp_path: Path, report: Report, **kwargs: object) -> Path:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf.render(report, Formatter("en_US", "USD"), shop_name="Oak & Thread",
                                      printed_on=date(2026, 3, 2), **kwargs))  # type: ignore[arg-type]
    return pdf


def test_the_figures_read_as_on_screen_and_every_font_is_embedded(tmp_path: Path) -> None:
    pdf = _write(tmp_path, _report())
    words = text(pdf)
    for expected in ("Oak & Thread", "Sales", "This quarter: Jan 1, 2026 – Mar 31, 2026",
                     "$14,711,586.18", "5.3%", "14.8 h", "Jan 2026", "$123.45",
                     "thousands (USD)", "Printed Mar 2, 2026", "Page 1"):
        assert expected in words, expected
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert listing and all(row.split()[-5] == "yes" for row in listing), listing
    subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)


def test_a_long_table_runs_over_pages_with_its_header_and_the_total_once(
        tmp_path: Path) -> None:
    pdf = _write(tmp_path, _report(rows=400))
    count = pages(pdf)
    assert count >= 5
    for page in range(2, count + 1):
        assert "Month Sales" in text(pdf, page), page
    assert sum(text(pdf, p).count("Total") for p in range(1, count + 1)) == 1


def test_letter_paper_when_the_shop_uses_it(tmp_path: Path) -> None:
    pdf = _write(tmp_path, _report(), page_size=LETTER)
    assert page_size(pdf) == (612.0, 792.0)
