"""Follow-ups: the Today page, reminders that fall due, and every follow-up dialog."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from crm_desktop.errors import CrmError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.follow_ups.follow_up_dialogs import (
    CancelDialog,
    CompleteDialog,
    FollowUpDialog,
    ReassignDialog,
    SnoozeDialog,
)
from crm_desktop.gui.follow_ups.today_page import TodayPage
from crm_desktop.gui.shared.background import Latest
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.permissions import Permission
from crm_desktop.services.follow_ups.follow_up_service import (
    FollowUpService,
    FollowUpView,
    Section,
    TodayScope,
    TodayView,
)
from crm_desktop.services.reports.at_risk import AtRiskCustomer

log = logging.getLogger(__name__)
DialogT = TypeVar("DialogT", bound=QDialog)

# How often a running app looks for follow-ups that have fallen due. Reminders are claimed in
# the database, so a minute late is the worst case and two desks never announce one twice.
REMINDER_INTERVAL_MS = 60_000
SUGGEST_EVERY = timedelta(hours=1)
# Today shows follow-ups, and suggestions that deliveries and resolved queries make.
# (and the customers we may lose, whom complaints and unpaid invoices put there too).
TODAY_SHOWS = (Change.FOLLOW_UPS | Change.HISTORY | Change.ORDERS | Change.QUERIES
               | Change.FEEDBACK | Change.INVOICES)


class FollowUpsController(Controller):
    # A follow-up fell due: a title and a line for the tray, the status bar and the badge.
    reminder = Signal(str, str)
    open_customer = Signal(int)
    write_to = Signal(int, str)  # a card or letter for a customer: their id, the letter's key

    def __init__(self, desk: Desk, follow_ups: FollowUpService) -> None:
        super().__init__(desk)
        self._follow_ups = follow_ups
        self.today_page = TodayPage(desk.formatter)
        # Someone who may not follow up (a viewer) sees the day, but claims no reminders and
        # makes no suggestions: both are writes.
        self._follows_up = desk.access.gate(Permission.FOLLOW_UP, *(
            b for k, b in self.today_page.buttons.items() if k not in ("open", "write")))
        desk.access.gate(Permission.SEND_POST, self.today_page.buttons["write"])
        self.last_reminder: tuple[str, str] | None = None
        self._suggested_at: datetime | None = None
        self.reminder_timer = QTimer(self)
        self.reminder_timer.setInterval(REMINDER_INTERVAL_MS)
        self.reminder_timer.timeout.connect(self.check_reminders)

        # The customers we may lose are scored over the whole shop: on a worker, after the
        # day is on screen. A failure there only leaves the section as it was.
        self._at_risk: Latest[None, Section[AtRiskCustomer]] = Latest(
            desk.background, lambda _key: follow_ups.at_risk(), self.today_page.show_at_risk,
            lambda exc: log.warning("customers we may lose not worked out: %s", exc))

        page = self.today_page
        page.open_customer.connect(self.open_customer)
        page.complete.connect(self.complete_follow_up)
        page.snooze.connect(self.snooze_follow_up)
        page.reassign.connect(self.reassign_follow_up)
        page.cancel.connect(self.cancel_follow_up)
        page.change.connect(self.change_follow_up)
        page.accept_suggestion.connect(self.accept_suggestion)
        page.dismiss.connect(self.dismiss_suggestion)
        page.schedule_for.connect(self.schedule_follow_up)
        page.write_to.connect(self.write_to)
        page.scope_changed.connect(self.refresh_today)
        page.refresh_requested.connect(self.refresh_today)

    def on_changed(self, changes: Changes) -> None:
        if not changes.touches(TODAY_SHOWS):
            return
        if self.desk.shell.is_current(self.today_page):
            self.refresh_today()
        else:
            self._set_badge()

    def set_formatter(self, formatter: Formatter) -> None:
        self.today_page.set_formatter(formatter)
        self.refresh_today()

    def stop(self) -> None:
        self.reminder_timer.stop()

    def _scope(self, everyone: bool = False) -> TodayScope:
        return TodayScope(None if everyone else self.actor.user_id)

    # ---- Today ---------------------------------------------------------------------------------

    def start_day(self) -> None:
        """The start page, with whatever fell due while the app was closed shown, not lost."""
        missed = self._claim_reminders()
        if missed:
            self.today_page.show_missed(missed)
            self._announce("Fell due while CRM Desktop was closed", missed)
        self.show_today()
        self.reminder_timer.start()

    def show_today(self) -> None:
        self.refresh_today()
        self.desk.shell.show_page(self.today_page)
        self.today_page.tree.setFocus()

    def refresh_today(self) -> None:
        self._look_for_suggestions()
        everyone = self.today_page.everyone
        day = attempt(self.window, lambda: self._follow_ups.today(self._scope(everyone)))
        if day is None:
            return
        self.today_page.show_day(day)
        self._set_badge(day if not everyone else None)
        self._at_risk.request(None)

    def _look_for_suggestions(self) -> None:
        """Dates coming up and customers gone quiet are looked for at start and then once
        an hour (deliveries and resolved queries make theirs at once)."""
        now = self.desk.clock()
        if self._suggested_at is not None and now - self._suggested_at < SUGGEST_EVERY:
            return
        if not self._follows_up:
            return
        try:
            self._follow_ups.refresh_suggestions(self.actor)
        except CrmError as exc:
            log.warning("could not look for suggestions: %s", exc)
            return
        self._suggested_at = now

    def _set_badge(self, mine: TodayView | None = None) -> None:
        """The navigation says how many follow-ups are mine to do today (overdue included)."""
        if mine is not None:
            due = mine.overdue.total + mine.due_today.total
        else:
            try:
                due = self._follow_ups.due_count(self._scope())
            except CrmError as exc:
                log.warning("could not count today's follow-ups: %s", exc)
                return
        self.desk.shell.set_badge(self.today_page, "Today" + (f" ({due})" if due else ""))

    # ---- reminders -----------------------------------------------------------------------------

    def _claim_reminders(self) -> list[FollowUpView]:
        # Runs on a timer: a busy or unreachable database is logged and tried next minute,
        # never a dialog every minute.
        if not self._follows_up:
            return []
        try:
            return self._follow_ups.claim_reminders(self._scope(), self.actor)
        except CrmError as exc:
            log.warning("could not look for due follow-ups: %s", exc)
            return []

    def check_reminders(self) -> list[FollowUpView]:
        """A follow-up that has fallen due is announced once: tray message and badge."""
        due = self._claim_reminders()
        if due:
            self._announce("Follow-up due" if len(due) == 1 else f"{len(due)} follow-ups due",
                           due)
        if self.desk.shell.is_current(self.today_page) and due:
            self.refresh_today()
        else:
            self._set_badge()
        return due

    def _announce(self, title: str, items: list[FollowUpView]) -> None:
        text = "; ".join(f"{i.customer_name}: {i.purpose}" for i in items[:3])
        if len(items) > 3:
            text += f"; and {len(items) - 3} more"
        self.last_reminder = (title, text)
        self.reminder.emit(title, text)

    # ---- the dialogs ---------------------------------------------------------------------------

    def schedule_follow_up(self, customer_id: int | None, *,
                           source: tuple[str, int] | None = None,
                           purpose: str = "") -> FollowUpDialog | None:
        customer = self.desk.customer_choice(customer_id)
        if customer is None:
            self.desk.ops.say("Open a customer first, then schedule their follow-up.")
            return None
        dialog = FollowUpDialog(self._follow_ups, self.actor, customer=customer,
                                users=self.desk.active_users(), clock=self.desk.clock,
                                source=source, purpose=purpose, parent=self.window)
        return self._open(dialog, customer[0], lambda: "Follow-up scheduled")

    def change_follow_up(self, item: FollowUpView) -> FollowUpDialog:
        suggested = item.state.value == "suggested"
        dialog = FollowUpDialog(self._follow_ups, self.actor,
                                customer=(item.customer_id, item.customer_name),
                                users=self.desk.active_users(), clock=self.desk.clock,
                                existing=item, accept=suggested, parent=self.window)
        return self._open(dialog, item.customer_id,
                          lambda: "Suggestion accepted" if suggested else "Follow-up changed")

    def complete_follow_up(self, item: FollowUpView) -> CompleteDialog:
        dialog = CompleteDialog(self._follow_ups, self.actor, item, self.window)

        def message() -> str:
            following = dialog.following
            if following is None:
                return f"Done: {item.customer_name}"
            return (f"Done: {item.customer_name}. The next one is due "
                    f"{self.desk.formatter.date(following.due_at)}")
        return self._open(dialog, item.customer_id, message)

    def snooze_follow_up(self, item: FollowUpView) -> SnoozeDialog:
        dialog = SnoozeDialog(self._follow_ups, self.actor, item, clock=self.desk.clock,
                              formatter=self.desk.formatter, parent=self.window)
        return self._open(dialog, item.customer_id, lambda: "Snoozed until " + (
            self.desk.formatter.date_time(dialog.saved.due_at) if dialog.saved else ""))

    def reassign_follow_up(self, item: FollowUpView) -> ReassignDialog:
        dialog = ReassignDialog(self._follow_ups, self.actor, item,
                                users=self.desk.active_users(), parent=self.window)
        return self._open(dialog, item.customer_id, lambda: "Handed over to " + (
            dialog.saved.assignee_name if dialog.saved else ""))

    def cancel_follow_up(self, item: FollowUpView) -> CancelDialog:
        dialog = CancelDialog(self._follow_ups, self.actor, item, self.window)
        return self._open(dialog, item.customer_id, lambda: "Follow-up cancelled")

    def _open(self, dialog: DialogT, customer_id: int, message: Callable[[], str]) -> DialogT:
        return self.desk.ops.dialog(
            dialog, changes=Changes.of(Change.FOLLOW_UPS, [customer_id]), done=message)

    def accept_suggestion(self, item: FollowUpView) -> None:
        self._one_click(item, lambda: self._follow_ups.accept(item.id, item.version,
                                                              self.actor),
                        f"Accepted: {item.purpose}")

    def dismiss_suggestion(self, item: FollowUpView) -> None:
        self._one_click(item, lambda: self._follow_ups.dismiss(item.id, item.version,
                                                               self.actor),
                        "Dismissed: it will not be suggested again")

    def _one_click(self, item: FollowUpView, action: Callable[[], object], done: str) -> None:
        if self.desk.ops.run(self.window, action,
                             changes=Changes.of(Change.FOLLOW_UPS, [item.customer_id]),
                             done=done) is None:
            self.refresh_today()  # it changed meanwhile: show what it is now

    def export_follow_ups(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self.window, "Export my follow-ups", "follow-ups.ics", "iCalendar files (*.ics)")
        if not path:
            return
        items = attempt(self.window, lambda: self._follow_ups.open_for_export(
            TodayScope(self.actor.user_id, include_unassigned=False)))
        if items is None:
            return
        # icalendar is imported when someone exports, not at every start (~40 ms).
        from crm_desktop.services.follow_ups.calendar_export import (  # noqa: PLC0415
            follow_ups_to_ics,
        )

        data = follow_ups_to_ics(items, shop_name=self.desk.shell.shop_name(),
                                 now=self.desk.clock())
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(self.window, "Not exported",
                                f"Could not write {path}: {exc.strerror or exc}")
            return
        self.desk.ops.say(f"Exported {len(items)} follow-ups to {path}", 8000)
