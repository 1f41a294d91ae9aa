"""Follow-ups, customer queries and feedback: the shop's promises and what customers tell it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.models.base import Base, Tracked, str_enum
from crm_desktop.models.enums import (
    FeedbackKind,
    FollowUpChannel,
    FollowUpState,
    Priority,
    QueryChannel,
    QueryEventKind,
    QueryStatus,
)


class FollowUp(Tracked, Base):
    """A promise to get back to a customer. Recurring ones carry an iCalendar RRULE."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_assignee_state_due", "assignee_id", "state", "due_at"),
        Index("ix_follow_ups_state_due", "state", "due_at"),
        Index("ix_follow_ups_customer_due", "customer_id", "due_at"),
        Index("ix_follow_ups_series", "series_id"),
        # A suggestion is made once per reason ("order:12", "date:7:2026"): dismissing one
        # keeps its row, so it is never proposed again, even by the other desk.
        Index("ix_follow_ups_suggestion_key", "suggestion_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    has_time: Mapped[bool] = mapped_column(Boolean, default=False)  # a date only, or a time too
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")  # for recurrence across DST
    channel: Mapped[FollowUpChannel] = mapped_column(str_enum(FollowUpChannel, "follow_up_channel"))
    purpose: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rrule: Mapped[str | None] = mapped_column(String(500))
    # The first occurrence of a recurring series (itself included); all occurrences point to it.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="SET NULL"))
    # The rule's DTSTART, and the slot in the series this row stands for. ``due_at`` differs
    # from ``occurrence_at`` when only this occurrence was snoozed.
    series_start_at: Mapped[datetime | None]
    occurrence_at: Mapped[datetime | None]
    suggestion_key: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[FollowUpState] = mapped_column(
        str_enum(FollowUpState, "follow_up_state"), default=FollowUpState.OPEN
    )
    # What it was scheduled from: "order", "invoice", "query", "history", "date", "quiet".
    source_kind: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[int | None]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(1000))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    notified_at: Mapped[datetime | None]


class CustomerQuery(Tracked, Base):
    """A customer's question or request. Always has an owner."""

    __tablename__ = "queries"
    __table_args__ = (
        Index("ix_queries_owner_status_due", "owner_id", "status", "due_at"),
        Index("ix_queries_customer_created", "customer_id", "created_at"),
        CheckConstraint(
            "status NOT IN ('resolved', 'closed') OR resolution IS NOT NULL",
            name="resolved_has_resolution",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[QueryChannel] = mapped_column(str_enum(QueryChannel, "query_channel"))
    # What it is about, from the owner's list the tally uses too (delivery, billing, ...).
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_categories.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(
        str_enum(Priority, "priority"), default=Priority.NORMAL
    )
    status: Mapped[QueryStatus] = mapped_column(
        str_enum(QueryStatus, "query_status"), default=QueryStatus.NEW
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    due_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class QueryEvent(Base):
    """One step in a query's life, written with the change and never edited, so the customer's
    timeline shows every change with who and when."""

    __tablename__ = "query_events"
    __table_args__ = (
        Index("ix_query_events_customer_at", "customer_id", "at"),
        Index("ix_query_events_query", "query_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[QueryEventKind] = mapped_column(str_enum(QueryEventKind, "query_event_kind"))
    status: Mapped[QueryStatus] = mapped_column(str_enum(QueryStatus, "query_status"))
    detail: Mapped[str] = mapped_column(String(1000), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FeedbackCategory(Tracked, Base):
    """The owner's list: delivery, billing, product quality, staff, waiting time, ..."""

    __tablename__ = "feedback_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Feedback(Tracked, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_feedback_kind_category_when", "kind", "category_id", "occurred_at"),
        Index("ix_feedback_customer_when", "customer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    kind: Mapped[FeedbackKind] = mapped_column(str_enum(FeedbackKind, "feedback_kind"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_categories.id", ondelete="RESTRICT")
    )
    occurred_at: Mapped[datetime]
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    apology_made: Mapped[bool | None] = mapped_column(Boolean)
    action_taken: Mapped[str | None] = mapped_column(Text)
