"""Scheduling follow-ups. (Reminders, recurrence and the Today view build on this.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.errors import ValidationError
from crm_desktop.formatting import local_zone
from crm_desktop.models import Customer, FollowUp, FollowUpChannel, FollowUpState
from crm_desktop.validation import clean_text

DEFAULT_HOUR = 9  # a follow-up due "on a day" is due at the start of the working day


@dataclass(frozen=True)
class FollowUpRequest:
    due: date
    channel: FollowUpChannel
    purpose: str
    assignee_id: int | None = None


def schedule(session: Session, customer: Customer, request: FollowUpRequest,
             assignee_id: int | None, today: date, *, source_kind: str | None = None,
             source_id: int | None = None, field_prefix: str = "follow_up") -> FollowUp:
    """Add an open follow-up inside the caller's transaction."""
    purpose = clean_text(f"{field_prefix}.purpose", "What to follow up", request.purpose,
                         max_length=500, required=True)
    if request.due < today:
        raise ValidationError.single(f"{field_prefix}.due",
                                     "A follow-up cannot be due in the past.")
    due_at = datetime.combine(request.due, time(DEFAULT_HOUR), tzinfo=local_zone())
    follow_up = FollowUp(
        customer_id=customer.id, due_at=due_at, has_time=False, time_zone="local",
        channel=request.channel, purpose=purpose,
        assignee_id=request.assignee_id or assignee_id, state=FollowUpState.OPEN,
        source_kind=source_kind, source_id=source_id,
    )
    session.add(follow_up)
    session.flush()
    refresh_next_follow_up(session, customer)
    return follow_up


def refresh_next_follow_up(session: Session, customer: Customer) -> None:
    """Keep the customer's sortable 'next follow-up' in step with their open follow-ups."""
    customer.next_follow_up_at = session.scalar(
        select(func.min(FollowUp.due_at)).where(FollowUp.customer_id == customer.id,
                                                FollowUp.state == FollowUpState.OPEN))
