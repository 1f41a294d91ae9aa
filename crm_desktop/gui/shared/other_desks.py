"""What the other desk saved, on this desk's screen a second or two later.

The change feed (``storage/change_feed.py``) is asked about once a second, on the worker, and
what arrived is announced through ``Operations.changed`` as ``Changes`` with ``remote`` set:
the same signal every page already refreshes itself from after a save here. The status bar
says who changed what ("Rita changed Margo Delacroix's phone or e-mail").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from crm_desktop.errors import ServerUnreachableError
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.operations import Change, Changes, Operations
from crm_desktop.models import AuditAction
from crm_desktop.storage.change_feed import Arrivals, ChangeFeed, SavedElsewhere

log = logging.getLogger(__name__)

INTERVAL_MS = 1000
BACK = "The shared database answers again."
EVERY_KIND = ~Change(0)

# What each table's rows are shown as: the pages to refresh when one changed elsewhere.
_ABOUT_A_CUSTOMER = Change.CUSTOMERS | Change.HISTORY
KINDS: dict[str, Change] = {
    "customers": _ABOUT_A_CUSTOMER, "contact_points": _ABOUT_A_CUSTOMER,
    "addresses": _ABOUT_A_CUSTOMER, "preferences": _ABOUT_A_CUSTOMER,
    "personal_notes": _ABOUT_A_CUSTOMER, "important_dates": _ABOUT_A_CUSTOMER,
    "marketing_consents": _ABOUT_A_CUSTOMER, "tags": Change.CUSTOMERS,
    "import_batches": Change.CUSTOMERS,
    "history_entries": Change.HISTORY | Change.CUSTOMERS,
    "follow_ups": Change.FOLLOW_UPS | Change.HISTORY,
    "orders": Change.ORDERS | Change.HISTORY | Change.CUSTOMERS,
    "order_lines": Change.ORDERS,
    "products": Change.PRODUCTS,
    "invoices": Change.INVOICES | Change.HISTORY | Change.CUSTOMERS,
    "invoice_lines": Change.INVOICES, "payments": Change.INVOICES | Change.HISTORY,
    "queries": Change.QUERIES | Change.HISTORY,
    "feedback": Change.FEEDBACK | Change.HISTORY, "feedback_categories": Change.FEEDBACK,
    "users": Change.USERS, "settings": Change.SETTINGS,
}
# A person signing in at the other desk changes nothing on this one's screen.
_QUIET = {AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED}

# How a change to each table reads in a sentence about a customer.
_PART = {"contact_points": "phone or e-mail", "addresses": "address",
         "preferences": "preferences", "personal_notes": "notes",
         "important_dates": "dates to remember", "marketing_consents": "answers about offers",
         "follow_ups": "follow-ups", "orders": "orders", "order_lines": "orders",
         "invoices": "invoices", "payments": "invoices", "queries": "queries",
         "feedback": "feedback"}
_CUSTOMER_FIELDS = {"first_name": "name", "last_name": "name", "company": "name",
                    "status": "status", "lost_reason": "status", "owner_id": "who looks after them",
                    "tags": "tags", "deleted_at": "place in the trash", "source": "source"}
_LOGGED = {"call": "a call", "visit": "a visit", "email": "an e-mail", "letter": "a letter",
           "note": "a note"}
# Kept up by the app as a side effect of another change (a call sets the last contact).
_WORKED_OUT = frozenset({"sort_name", "status_changed_at", "last_contact_at",
                         "next_follow_up_at", "gap_count", "usual_gap_days", "quiet_after_at",
                         "first_order_at", "lifetime_value", "deleted_by_id"})


def changes_of(arrivals: Arrivals) -> Changes | None:
    """What ``arrivals`` means for this desk's pages; None if nothing they show."""
    saved = [e for e in arrivals.saved if e.action not in _QUIET]
    if arrivals.everything:
        return Changes(EVERY_KIND, None, remote=True, saved=tuple(saved))
    if not saved:
        return None
    kinds = Change(0)
    customers: set[int] | None = set()
    for entry in saved:
        kinds |= KINDS.get(entry.entity, EVERY_KIND)
        if customers is not None:
            if entry.customer_id is not None:
                customers.add(entry.customer_id)
            elif entry.entity not in {"products", "users", "settings", "feedback_categories"}:
                customers = None  # a change we cannot tie to customers: any of them
    return Changes(kinds, None if customers is None else frozenset(customers), remote=True,
                   saved=tuple(saved))


def describe(saved: Sequence[SavedElsewhere]) -> str:
    """One sentence for the status bar or a form: who changed what."""
    if not saved:
        return "Another desk saved changes."
    people = sorted({e.user_name or "The other desk" for e in saved})
    who = people[0] if len(people) == 1 else " and ".join(people)
    customers = {e.customer_id: e.customer_name for e in saved if e.customer_id is not None}
    if len(customers) > 1:
        return f"{who} saved changes to {len(customers):,} customers."
    if customers:
        name = next(iter(customers.values())) or "a customer"
        about = [e for e in saved if e.customer_id is not None
                 and not (e.entity == "customers" and e.action is AuditAction.UPDATE
                          and set(e.fields) <= _WORKED_OUT)]
        if any(e.entity == "customers" and e.action is AuditAction.CREATE for e in about):
            return f"{who} added {name}."
        logged = [e for e in about if e.entity == "history_entries"
                  and e.action is AuditAction.CREATE]
        if logged and len(logged) == len(about):
            kind = _LOGGED.get(str(logged[0].values.get("kind")), "a contact")
            return f"{who} logged {kind} with {name}."
        parts: list[str] = []
        for entry in about:
            if entry.entity == "customers":
                words = [_CUSTOMER_FIELDS.get(f, "details") for f in entry.fields
                         if f not in _WORKED_OUT]
            else:
                words = [_PART.get(entry.entity, "details")]
            parts += [w for w in words if w not in parts]
        what = (" and ".join(parts[:2]) if len(parts) <= 2
                else f"{', '.join(parts[:-1])} and {parts[-1]}") if parts else "details"
        return f"{who} changed {name}'s {what}."
    tables = {e.entity for e in saved}
    if tables == {"settings"}:
        return f"{who} changed the shop's settings."
    if tables <= {"products"}:
        return f"{who} changed the products."
    if tables <= {"users"}:
        return f"{who} changed who uses the app."
    return f"{who} saved changes."


class OtherDesks(QObject):
    """Asks the change feed every second (on the worker) and announces what arrived."""

    # Whether the shared database answers: said at once when it stops, and when it is back.
    reachable = Signal(bool)

    def __init__(self, feed: ChangeFeed, ops: Operations, background: Background, *,
                 private: Callable[[], bool] = lambda: False,
                 parent: QObject | None = None) -> None:
        """``private``: true while the desk is locked, when the status bar names no one."""
        super().__init__(parent)
        self._feed = feed
        self._private = private
        self._ops = ops
        self._background = background
        self._asking = False
        self._stopped = False
        self.listening = False  # the feed has started: what is saved from now on arrives
        self.online = True
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Watch from now on (the feed connects on the worker: a server that cannot be
        reached does not hold up the window)."""
        if not self._feed.available:
            return
        self._asking = True
        self._background.run(self._feed.start, lambda _none: self._started(),
                             self._failed)

    def _started(self) -> None:
        self._asking = False
        self.listening = True
        if not self._stopped:
            self._timer.start()

    def stop(self) -> None:
        """No more asking; ``close`` once the worker has finished (a poll on its way uses
        the feed's connection)."""
        self._stopped = True
        self._timer.stop()

    def close(self) -> None:
        self._feed.close()

    def poll(self, *, wait: float = 0.0) -> None:
        """Ask now (the timer asks every second; a test asks when the other desk saved)."""
        if self._asking or self._stopped:
            return
        self._asking = True
        self._background.run(lambda: self._feed.poll(wait=wait), self._arrived, self._failed)

    def _arrived(self, arrivals: Arrivals) -> None:
        self._asking = False
        if self._stopped:
            return
        back = not self.online
        self._set_online(True)
        changes = changes_of(arrivals)
        if changes is None:
            if back:
                self._ops.say(BACK, 10_000)
            return
        if back:
            message = f"{BACK} Everything is shown afresh."
        elif self._private():
            message = "Another desk saved changes."
        elif changes.saved:
            message = describe(changes.saved)
        else:
            message = "Another desk saved many changes: everything is shown afresh."
        self._ops.announce(changes, message)

    def _failed(self, exc: Exception) -> None:
        # Never a dialog a second: the feed tries again at the next tick.
        self._asking = False
        log.warning("could not hear from the other desks: %s", exc)
        if self._stopped:
            return
        if isinstance(exc, ServerUnreachableError):
            self._set_online(False)
        if not self._timer.isActive():
            self._timer.start()

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.reachable.emit(online)
