"""Declarative base, column types and the columns every editable table shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, ForeignKey, Integer, MetaData, Numeric, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so the UTC wall time is
    stored and the zone re-attached on the way out. Naive datetimes are refused: they are bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:  # (already UTC: the common case, skip the conversion)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"naive datetime {value!r} cannot be stored; attach a time zone")
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def money_type() -> Numeric[Decimal]:
    """Amounts of money: 2 decimals, exact ``Decimal`` in Python."""
    return Numeric(14, 2, asdecimal=True)


def quantity_type() -> Numeric[Decimal]:
    """Quantities allow fractions (1.5 kg, 0.25 h)."""
    return Numeric(12, 3, asdecimal=True)


def percent_type() -> Numeric[Decimal]:
    return Numeric(5, 2, asdecimal=True)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy's documented hook
        datetime: UTCDateTime(),
        Decimal: money_type(),
    }


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, typed as one (``__table__`` is typed as a bare FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Tracked:
    """Created/updated stamps, the users behind them, and a version for optimistic locking.

    The stamps are filled by the session hooks in ``crm_desktop.storage.audit``; services never
    set them by hand. SQLAlchemy bumps ``version`` on every UPDATE and refuses one whose row
    changed underneath (``StaleDataError``), so two desks never silently overwrite each other.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}
