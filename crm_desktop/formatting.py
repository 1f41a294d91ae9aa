"""Showing money, dates and times the way the shop's locale writes them (Babel).

Times are stored in UTC and shown in the computer's local time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

from crm_desktop.models import (
    CustomerStatus,
    FeedbackKind,
    FollowUpChannel,
    FollowUpState,
    Priority,
    QueryChannel,
    QueryStatus,
)
from crm_desktop.money import currency_decimals

Day = date  # inside Formatter, ``date`` names its method


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


# Statuses a person sets; inactive is computed from the quiet period.
SETTABLE_STATUSES = (CustomerStatus.PROSPECT, CustomerStatus.CUSTOMER, CustomerStatus.LOST)

STATUS_LABELS = {
    CustomerStatus.PROSPECT: "Prospect",
    CustomerStatus.CUSTOMER: "Customer",
    CustomerStatus.INACTIVE: "Inactive",
    CustomerStatus.LOST: "Lost",
}

PRIORITY_LABELS = {
    Priority.LOW: "Low", Priority.NORMAL: "Normal", Priority.HIGH: "High",
    Priority.URGENT: "Urgent",
}
QUERY_STATUS_LABELS = {
    QueryStatus.NEW: "New", QueryStatus.IN_PROGRESS: "In progress",
    QueryStatus.WAITING_ON_CUSTOMER: "Waiting on customer", QueryStatus.RESOLVED: "Resolved",
    QueryStatus.CLOSED: "Closed",
}
QUERY_CHANNEL_LABELS = {
    QueryChannel.PHONE: "Phone", QueryChannel.WALK_IN: "Walk-in", QueryChannel.EMAIL: "E-mail",
    QueryChannel.LETTER: "Letter", QueryChannel.OTHER: "Other",
}
FOLLOW_UP_CHANNEL_LABELS = {
    FollowUpChannel.CALL: "Call", FollowUpChannel.VISIT: "Visit",
    FollowUpChannel.EMAIL: "E-mail", FollowUpChannel.LETTER: "Letter",
    FollowUpChannel.CARD: "Card",
}
FOLLOW_UP_STATE_LABELS = {
    FollowUpState.SUGGESTED: "Suggested", FollowUpState.OPEN: "Open",
    FollowUpState.DONE: "Done", FollowUpState.CANCELLED: "Cancelled",
    FollowUpState.DISMISSED: "Dismissed",
}
FEEDBACK_KIND_LABELS = {
    FeedbackKind.COMPLAINT: "Complaint", FeedbackKind.WIN: "Win",
    FeedbackKind.SUGGESTION: "Suggestion", FeedbackKind.SURVEY: "Feedback",
}


# A list paints the same few hundred dates and amounts again on every scroll and keystroke;
# Babel takes ~50 µs for each. Both functions are pure, so their answers are kept.
@lru_cache(maxsize=8192)
def _medium_date(value: Day, locale: str) -> str:
    return format_date(value, "medium", locale=locale)


@lru_cache(maxsize=8192)
def _money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=locale)


@dataclass(frozen=True)
class Formatter:
    locale: str = "en_US"
    currency: str = "USD"
    zone: tzinfo = field(default_factory=local_zone)

    def money(self, amount: Decimal) -> str:
        return _money(amount, self.currency, self.locale)

    def country(self, code: str) -> str:
        """A country's name in the shop's language ("GB" → "United Kingdom"), from Babel;
        a code Babel does not know is shown as it is."""
        if not code:
            return ""
        return str(Locale.parse(self.locale).territories.get(code.upper(), code))

    def number(self, value: Decimal | int) -> str:
        """A quantity or rate: 2, 1.5, 19 (no trailing zeros)."""
        return format_decimal(value, locale=self.locale)

    def rating(self, value: Decimal) -> str:
        """An average rating, always with one decimal: 4.0, 3.7."""
        return format_decimal(value, format="0.0", locale=self.locale)

    def amount(self, value: Decimal) -> str:
        """An amount for editing, with the currency's decimals and no symbol: 249.00."""
        digits = currency_decimals(self.currency)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def file_size(self, size: int) -> str:
        """'820 kB', '2.3 MB', '1.1 GB' in the shop's language (decimal units, as file
        managers show them)."""
        for unit, scale in (("gigabyte", 1e9), ("megabyte", 1e6)):
            if size >= scale:
                return format_unit(size / scale, f"digital-{unit}", length="short",
                                   format="#,##0.#", locale=self.locale)
        return format_unit(max(1, round(size / 1e3)), "digital-kilobyte", length="short",
                           locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return _medium_date(value, self.locale)

    def month(self, value: Day) -> str:
        """'Mar 2026'."""
        return format_date(value, "LLL yyyy", locale=self.locale)

    def month_initial(self, value: Day) -> str:
        """'Mar': a month on a crowded chart axis."""
        return format_date(value, "LLL", locale=self.locale)

    def date_time(self, value: datetime | None) -> str:
        """'Mar 2, 2026, 9:30 AM': the medium date with a short time, in local time."""
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return (f"{format_date(local.date(), 'medium', locale=self.locale)}, "
                f"{format_time(local, 'short', locale=self.locale)}")

    def age(self, since: datetime, now: datetime) -> str:
        """'3 days', '5 hours': how long something has been waiting."""
        return format_timedelta(now - since, locale=self.locale, threshold=1.1)

    def ago(self, value: datetime | None, now: datetime) -> str:
        """'3 days ago', 'in 2 weeks'."""
        if value is None:
            return ""
        return format_timedelta(value - now, add_direction=True, locale=self.locale,
                                threshold=1.1)

    @staticmethod
    def status(status: CustomerStatus) -> str:
        return STATUS_LABELS[status]
