"""Recurring follow-ups: iCalendar RRULEs, expanded by dateutil in the follow-up's own zone.

A rule is applied to local wall-clock time in a named IANA zone, then converted to UTC, so
"every month at 9:00" stays at 9:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal
from dateutil.rrule import rrulestr

from crm_desktop.errors import ValidationError

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class Unit(StrEnum):
    DAY = "DAILY"
    WEEK = "WEEKLY"
    MONTH = "MONTHLY"
    YEAR = "YEARLY"


# Rules are expanded on local wall-clock time, which is naive on purpose.
_PROBE = datetime(2000, 1, 1)  # noqa: DTZ001
UNIT_NAMES = {Unit.DAY: "day", Unit.WEEK: "week", Unit.MONTH: "month", Unit.YEAR: "year"}


@dataclass(frozen=True)
class Repeat:
    """A rule as a person chooses it: every N units, or monthly on the Nth (or last) weekday."""

    unit: Unit = Unit.MONTH
    interval: int = 1
    ordinal: int | None = None  # 1..4 or -1 (last), with ``weekday``: "third Monday"
    weekday: int = 0  # 0 = Monday

    def rrule(self) -> str:
        parts = [f"FREQ={self.unit.value}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.ordinal is not None:
            parts.append(f"BYDAY={self.ordinal:+d}{WEEKDAYS[self.weekday]}")
        return ";".join(parts)

    def describe(self) -> str:
        if self.ordinal is not None:
            every = "Every month" if self.interval == 1 else f"Every {self.interval} months"
            return (f"{every} on the {ORDINAL_NAMES[self.ordinal]} "
                    f"{WEEKDAY_NAMES[self.weekday]}")
        unit = UNIT_NAMES[self.unit]
        return f"Every {unit}" if self.interval == 1 else f"Every {self.interval} {unit}s"


def parse(rule: str) -> Repeat | None:
    """The rule as a ``Repeat`` if it is one the dialog can show, else None."""
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    try:
        unit = Unit(parts.pop("FREQ", ""))
        interval = int(parts.pop("INTERVAL", "1"))
    except ValueError:
        return None
    byday = parts.pop("BYDAY", None)
    if parts:
        return None
    if byday is None:
        return Repeat(unit, interval)
    day, number = byday[-2:], byday[:-2]
    try:
        ordinal, weekday = int(number), WEEKDAYS.index(day)
    except ValueError:
        return None
    if unit is not Unit.MONTH or ordinal not in ORDINAL_NAMES:
        return None
    return Repeat(unit, interval, ordinal, weekday)


def describe(rule: str | None) -> str:
    if not rule:
        return "Does not repeat"
    repeat = parse(rule)
    return repeat.describe() if repeat is not None else f"Repeats ({rule})"


def validate(rule: str, field: str = "repeat") -> str:
    """The rule, cleaned, or a ValidationError saying it cannot be used."""
    rule = rule.strip().removeprefix("RRULE:")
    try:
        recurrence = rrulestr(rule, dtstart=_PROBE)
        recurrence.after(_PROBE, inc=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError.single(field, f"That repeat rule is not valid: {exc}.") from None
    repeat = parse(rule)
    if repeat is not None and not 1 <= repeat.interval <= 999:
        raise ValidationError.single(field, "Repeat every 1 to 999 days, weeks, months or "
                                            "years.")
    return rule


def next_occurrence(rule: str, series_start: datetime, after: datetime, zone_name: str
                    ) -> datetime | None:
    """The series' first slot strictly after ``after``, or None when the rule has ended."""
    zone = zone_for(zone_name)
    start = series_start.astimezone(zone).replace(tzinfo=None)
    recurrence = rrulestr(rule, dtstart=start)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    following: datetime | None = recurrence.after(after_local, inc=False)
    if following is None:
        return None
    return following.replace(tzinfo=zone).astimezone(UTC)


@cache
def local_zone_name() -> str:
    """This computer's zone as an IANA name (``Europe/Berlin``), not just today's offset."""
    try:
        name = tzlocal.get_localzone_name()
    except (ZoneInfoNotFoundError, ValueError, LookupError):
        return "UTC"
    return name or "UTC"


def is_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this computer knows (``Europe/Berlin``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return False
    return True


def zone_for(name: str) -> ZoneInfo:
    """The named zone; follow-ups saved before zones were named use this computer's."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        try:
            return ZoneInfo(local_zone_name())
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")
