"""The shop's settings, stored in the database so both desks share them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import Priority, Setting
from crm_desktop.storage.database import Database


@dataclass(frozen=True)
class BusinessSettings:
    shop_name: str = "My Shop"
    country: str = "US"  # ISO 3166-1 alpha-2; also the default region for phone numbers
    currency: str = "USD"
    locale: str = "en_US"
    # A customer with no order or contact for this long counts as inactive (computed on read).
    inactive_after_days: int = 365
    # How soon a query should be answered, by priority, in hours from when it was logged.
    respond_urgent_hours: int = 4
    respond_high_hours: int = 24
    respond_normal_hours: int = 72
    respond_low_hours: int = 168
    # Suggested follow-ups: each rule can be switched off; its delay is in days.
    suggest_after_delivery: bool = True
    after_delivery_days: int = 3  # "make sure they're happy"
    suggest_after_query: bool = True
    after_query_days: int = 7  # "make sure it stayed solved"
    suggest_before_date: bool = True
    before_date_days: int = 7  # a card before a birthday or anniversary
    suggest_when_quiet: bool = True
    quiet_grace_days: int = 14  # beyond their usual gap between contacts

    def response_hours(self, priority: Priority) -> int:
        return int(getattr(self, f"respond_{priority.value}_hours"))

    def answer_due(self, priority: Priority, logged_at: datetime) -> datetime:
        """When a query of this priority, logged (or reopened) then, should be answered."""
        return logged_at + timedelta(hours=self.response_hours(priority))

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if not self.shop_name.strip():
            errors["shop_name"] = "Shop name is required."
        if self.country.upper() not in phonenumbers.SUPPORTED_REGIONS:
            errors["country"] = f"“{self.country}” is not a known country code (e.g. US, GB, DE)."
        if len(self.currency) != 3 or not self.currency.isalpha():
            errors["currency"] = "Currency must be a three-letter code such as EUR or USD."
        try:
            Locale.parse(self.locale)
        except (UnknownLocaleError, ValueError):
            errors["locale"] = f"“{self.locale}” is not a known language and region."
        if not 30 <= self.inactive_after_days <= 3650:
            errors["inactive_after_days"] = "The quiet period must be between 30 and 3650 days."
        for priority in Priority:
            if not 1 <= self.response_hours(priority) <= 24 * 90:
                errors[f"respond_{priority.value}_hours"] = (
                    "The time to answer must be between 1 hour and 90 days.")
        for key, label, most in (("after_delivery_days", "after delivery", 90),
                                 ("after_query_days", "after a query is resolved", 90),
                                 ("before_date_days", "before a date", 60),
                                 ("quiet_grace_days", "beyond their usual gap", 365)):
            if not 0 <= getattr(self, key) <= most:
                errors[key] = f"Days {label} must be between 0 and {most}."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def for_country(cls, shop_name: str, country: str) -> BusinessSettings:
        """Sensible defaults for a shop in ``country``: its currency and a matching locale."""
        country = country.upper()
        currencies = get_territory_currencies(country) or ["USD"]
        locale = f"en_{country}"
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            locale = "en_US"
        return cls(shop_name=shop_name, country=country, currency=currencies[0], locale=locale)


_KEYS = {f.name for f in fields(BusinessSettings)}


class SettingsService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def business(self) -> BusinessSettings:
        with self._db.read() as session:
            rows = session.execute(select(Setting.key, Setting.value)).all()
        stored: dict[str, Any] = {k: json.loads(v) for k, v in rows if k in _KEYS}
        return replace(BusinessSettings(), **stored)

    def save_business(self, settings: BusinessSettings, actor: Actor) -> None:
        actor.require_owner("change the shop's settings")
        settings.validate()
        with self._db.transaction(actor) as session:
            write_business_settings(session, settings)


def write_business_settings(session: Session, settings: BusinessSettings) -> None:
    """Store validated settings inside the caller's transaction."""
    existing = {s.key: s for s in session.scalars(select(Setting))}
    for key, value in asdict(settings).items():
        encoded = json.dumps(value)
        row = existing.get(key)
        if row is None:
            session.add(Setting(key=key, value=encoded))
        elif row.value != encoded:
            row.value = encoded
