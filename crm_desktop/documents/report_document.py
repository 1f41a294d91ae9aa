"""What a report is made of, for the screen, the PDF and the CSV alike: headline figures,
charts and tables of typed values. Nothing here formats: money stays a ``Decimal``, a date a
``date``, so each output writes them its own way (the screen and the PDF in the shop's
locale, the CSV plainly for a spreadsheet).

A row may carry a :class:`Drill`: what to ask the report service for to see the rows behind
that figure (the invoices of a month, the follow-ups a person missed, ...).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from crm_desktop.errors import ValidationError

Value = str | int | Decimal | date | None


class Kind(StrEnum):
    """How a column's values read."""

    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"  # a Decimal share: 0.25 reads 25 %
    DAYS = "days"  # a Decimal number of days
    DATE = "date"
    MONTH = "month"  # the first day of a month: reads "Mar 2026"
    RATING = "rating"
    HOURS = "hours"  # a Decimal number of hours, for how long something took


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Drill:
    """The rows behind a figure: ``what`` names the list, ``filters`` narrow it."""

    what: str
    title: str
    filters: tuple[tuple[str, str | int], ...] = ()

    def get(self, key: str) -> str | int | None:
        return dict(self.filters).get(key)


@dataclass(frozen=True)
class Row:
    cells: tuple[Value, ...]
    drill: Drill | None = None
    customer_id: int | None = None
    invoice_id: int | None = None


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""  # what a figure means, said under the table

    def column_index(self, title: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.title == title)

    def values(self, title: str) -> list[Value]:
        """One column's values, top to bottom (for tests and charts)."""
        i = self.column_index(title)
        return [row.cells[i] for row in self.rows]


class ChartKind(StrEnum):
    BARS = "bars"
    STACKED = "stacked"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal | int, ...]

    @classmethod
    def of(cls, name: str, rows: Iterable[Row], column: int) -> Series:
        """One column of a table's rows as a series (a figure with no value draws as 0)."""
        return cls(name, tuple(v if isinstance(v, Decimal | int) else 0
                               for v in (row.cells[column] for row in rows)))


@dataclass(frozen=True)
class Chart:
    title: str
    kind: ChartKind
    categories: tuple[Value, ...]  # along the bottom: months (dates) or names
    series: tuple[Series, ...]
    money: bool = False  # the values are amounts of money
    table: str = ""  # the title of the table holding its numbers, shown beside it


@dataclass(frozen=True)
class Figure:
    """A headline number: "Sales £12,400", "Average order £46.20"."""

    label: str
    value: Value
    kind: Kind
    note: str = ""


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    period: Period
    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()  # how the figures are counted, said once under them

    def table(self, title: str) -> Table:
        return next(t for t in self.tables if t.title == title)

    def figure(self, label: str) -> Value:
        return next(f.value for f in self.figures if f.label == label)


# ---- periods ---------------------------------------------------------------------------------

MAX_PERIOD_DAYS = 366 * 10
EARLIEST, LATEST = date(1901, 1, 1), date(9998, 12, 31)  # a year either side stays a date


@dataclass(frozen=True)
class Period:
    """Whole local days, both ends included."""

    start: date
    end: date
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError.single("period", "The period ends before it starts.")
        if self.start < EARLIEST or self.end > LATEST:
            raise ValidationError.single("period", "Choose dates between 1901 and 9998.")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationError.single("period", "Choose a period of ten years at most.")

    def begins(self, zone: tzinfo) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=zone)

    def ends(self, zone: tzinfo) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches."""
        months: list[date] = []
        at = self.start.replace(day=1)
        while at <= self.end:
            months.append(at)
            at = add_months(at, 1)
        return months

    def year_before(self) -> Period:
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    def describe(self) -> str:
        return self.label or f"{self.start.isoformat()} – {self.end.isoformat()}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class PeriodChoice(StrEnum):
    THIS_MONTH = "This month"
    LAST_MONTH = "Last month"
    THIS_QUARTER = "This quarter"
    LAST_QUARTER = "Last quarter"
    THIS_YEAR = "This year"
    LAST_YEAR = "Last year"
    LAST_12_MONTHS = "Last 12 months"


def period_for(choice: PeriodChoice, today: date) -> Period:
    """A named period as of ``today``: "this year" is January 1st to December 31st."""
    month = today.replace(day=1)
    quarter = month.replace(month=(today.month - 1) // 3 * 3 + 1)
    spans = {
        PeriodChoice.THIS_MONTH: (month, add_months(month, 1)),
        PeriodChoice.LAST_MONTH: (add_months(month, -1), month),
        PeriodChoice.THIS_QUARTER: (quarter, add_months(quarter, 3)),
        PeriodChoice.LAST_QUARTER: (add_months(quarter, -3), quarter),
        PeriodChoice.THIS_YEAR: (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        PeriodChoice.LAST_YEAR: (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        PeriodChoice.LAST_12_MONTHS: (add_months(month, -11), add_months(month, 1)),
    }
    start, after = spans[choice]
    return Period(start, after - timedelta(days=1), choice.value)
