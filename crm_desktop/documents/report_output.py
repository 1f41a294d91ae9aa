"""A report's values as a person reads them (the screen and the PDF), and the whole report as
CSV for a spreadsheet (plain values: 1234.50, 2026-03-01)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from babel.numbers import format_percent

from crm_desktop.documents.report_document import Kind, Report, Table, Value
from crm_desktop.formatting import Formatter

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_of(value: Value, kind: Kind, f: Formatter) -> str:
    """``value`` as the shop's locale writes it; nothing for a figure that has no value."""
    if value is None:
        return "—" if kind is not Kind.TEXT else ""
    if isinstance(value, str):
        return value
    if kind is Kind.MONEY and isinstance(value, Decimal):
        return f.money(value)
    if kind is Kind.PERCENT and isinstance(value, Decimal):
        return str(format_percent(value, format="#,##0.#%", locale=f.locale))
    if kind is Kind.HOURS and isinstance(value, Decimal):
        if value < 48:
            return f"{f.number(value)} h"
        return f"{f.number((value / 24).quantize(Decimal('0.1')))} days"
    if kind is Kind.RATING and isinstance(value, Decimal):
        return f"{f.rating(value)} / 5"
    if kind is Kind.MONTH and isinstance(value, date):
        return f.month(value)
    if isinstance(value, date):
        return f.date(value)
    return f.number(value)


def plain(value: Value, kind: Kind) -> str:
    """``value`` for a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    if kind is Kind.MONTH and isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, date):
        return value.isoformat()
    if kind is Kind.PERCENT and isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 0.7500 → 0.75
    return str(value)


def write_table(writer: Any, table: Table) -> None:  # a csv writer
    kinds = [c.kind for c in table.columns]
    writer.writerow([c.title for c in table.columns])
    for row in (*table.rows, *((table.total,) if table.total else ())):
        writer.writerow([plain(v, k) for v, k in zip(row.cells, kinds, strict=True)])


def write_csv(report: Report, out: TextIO) -> None:
    """The figures, then each table under its title, a blank line between."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([report.title, report.period.start.isoformat(),
                     report.period.end.isoformat()])
    writer.writerow([])
    for figure in report.figures:
        writer.writerow([figure.label, plain(figure.value, figure.kind)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([plain(table.title, Kind.TEXT)])
        write_table(writer, table)


def write_table_csv(table: Table, out: TextIO) -> None:
    """One table alone (the rows behind a figure)."""
    write_table(csv.writer(out, lineterminator="\r\n"), table)
