"""Important dates that come round every year: when is the next one, and how far away."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from crm_desktop.models import DateKind

KIND_LABELS = {DateKind.BIRTHDAY: "Birthday", DateKind.ANNIVERSARY: "Anniversary",
               DateKind.CUSTOM: "Date"}


def next_occurrence(month: int, day: int, today: date) -> date:
    """This year's or next year's date; 29 February is kept on 28 February in other years."""
    for year in (today.year, today.year + 1):
        last_day = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day, last_day))
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable: next year always comes")


@dataclass(frozen=True)
class Upcoming:
    kind: DateKind
    label: str
    on: date
    days: int
    years: int | None  # the age or anniversary reached, when the year is known

    def describe(self) -> str:
        what = self.label or KIND_LABELS[self.kind]
        when = {0: "today", 1: "tomorrow"}.get(self.days, f"in {self.days} days")
        extra = ""
        if self.years:
            extra = (f" (turns {self.years})" if self.kind is DateKind.BIRTHDAY
                     else f" ({self.years} years)")
        return f"{what} {when}{extra}"


def upcoming(kind: DateKind, label: str, month: int, day: int, year: int | None, *,
             today: date, within_days: int) -> Upcoming | None:
    on = next_occurrence(month, day, today)
    days = (on - today).days
    if days > within_days:
        return None
    years = on.year - year if year is not None and on.year > year else None
    return Upcoming(kind, label, on, days, years)


def valid_day(month: int, day: int, year: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    last = calendar.monthrange(year if year is not None else 2000, month)[1]  # 2000: leap
    return 1 <= day <= last
