"""The audit trail and the shop's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.models.base import Base, Tracked, str_enum
from crm_desktop.models.enums import AuditAction


class AuditEntry(Base):
    """Who changed what, when. Written in the same transaction as the change; never edited."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity", "entity_id", "at"),
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_customer", "customer_id", "at"),
        Index("ix_audit_entries_user", "user_id", "at"),
        Index("ix_audit_entries_action", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, "audit_action"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # The customer a change belongs to (the customer row itself, or one of their contacts,
    # notes, dates …), for a profile's history of changes. No foreign key: the trail outlives
    # a customer purged from the trash.
    customer_id: Mapped[int | None] = mapped_column(Integer)
    # JSON: {"field": [old, new], ...}
    changes: Mapped[str] = mapped_column(Text, default="{}")


class Setting(Tracked, Base):
    """One business setting (shop name, currency, phone region, ...), its value as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ShopImage(Base):
    """The shop's logo or scanned signature, stored once by content (SHA-256), never changed.

    Settings and issued invoices refer to an image by its digest, so both desks see the same
    picture and an old invoice reprints with the logo it was issued with.
    """

    __tablename__ = "shop_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
