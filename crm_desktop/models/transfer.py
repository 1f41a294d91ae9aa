"""Customers brought in from other address books: each import as one batch that can be undone,
and where each customer came from, so the same file imported twice creates nobody twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.models.base import Base, Tracked, str_enum
from crm_desktop.models.enums import ImportAction


class ImportBatch(Tracked, Base):
    """One import: which file, when, by whom, what it did, and whether it was undone."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(20))
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None]


class ImportBatchItem(Base):
    """What one import did to one customer, so that *Undo this import* can put it back.

    ``added`` is JSON naming the rows the import added to an existing customer and the fields
    it filled in; ``version_after`` is the customer's version when the import finished: a
    customer changed since then is not the import's to undo any more.
    """

    __tablename__ = "import_batch_items"
    __table_args__ = (Index("ix_import_batch_items_customer", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"),
                                          index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    action: Mapped[ImportAction] = mapped_column(str_enum(ImportAction, "import_action"))
    added: Mapped[str] = mapped_column(Text, default="{}")
    version_after: Mapped[int] = mapped_column(Integer)


class CustomerSource(Base):
    """A contact in another address book that became (or was matched to) this customer: the
    vCard's UID, or a stable fingerprint of a CSV row."""

    __tablename__ = "customer_sources"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_customer_sources_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    source: Mapped[str] = mapped_column(String(20))  # "vcard", "csv"
    external_id: Mapped[str] = mapped_column(String(255))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True)
