"""Open follow-ups as an iCalendar file (VTODO, RRULE) that phone calendars import."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from icalendar import Calendar, Todo, vRecur

from crm_desktop import __version__
from crm_desktop.formatting import FOLLOW_UP_CHANNEL_LABELS
from crm_desktop.services.follow_ups.follow_up_service import FollowUpView


def follow_ups_to_ics(follow_ups: Sequence[FollowUpView], *, shop_name: str, now: datetime
                      ) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//CRM Desktop {__version__}//{shop_name}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{shop_name} follow-ups")
    for item in follow_ups:
        todo = Todo()
        # A series keeps one UID, so importing again updates it instead of adding a copy.
        todo.add("uid", f"follow-up-{item.series_id or item.id}@crm-desktop")
        todo.add("dtstamp", now)
        channel = FOLLOW_UP_CHANNEL_LABELS[item.channel]
        todo.add("summary", f"{channel} {item.customer_name}: {item.purpose}")
        details = [item.notes] if item.notes else []
        if item.assignee_name:
            details.append(f"For {item.assignee_name}")
        if details:
            todo.add("description", "\n".join(details))
        todo.add("categories", [channel])
        local = item.local_due()
        due = local if item.has_time else local.date()
        todo.add("dtstart", due)  # RFC 5545: a recurring VTODO needs its start
        todo.add("due", due)
        if item.rrule:
            todo.add("rrule", vRecur.from_ical(item.rrule))
        todo.add("status", "NEEDS-ACTION")
        calendar.add_component(todo)
    return bytes(calendar.to_ical())
