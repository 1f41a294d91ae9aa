"""Queries: the Queries page and its badge, logging a query, the query window."""

from __future__ import annotations

from PySide6.QtCore import Signal

from crm_desktop.formatting import Formatter
from crm_desktop.gui.queries.queries_page import QueriesPage, QueryListModel
from crm_desktop.gui.queries.query_dialogs import LogQueryDialog, QueryDialog
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.queries.query_service import QueryScope, QueryService

# Someone switched off hands their open queries to the owner who did it.
QUERIES_SHOW = Change.QUERIES | Change.USERS


class QueriesController(Controller):
    open_customer = Signal(int)
    follow_up = Signal(int, str, int, str)  # customer id, source kind, source id, purpose

    def __init__(self, desk: Desk, queries: QueryService,
                 customer_list: CustomerListService) -> None:
        super().__init__(desk)
        self._queries = queries
        self._customer_list = customer_list
        self.list_model = QueryListModel(queries, desk.formatter, desk.clock, desk.actor.user_id)
        self.page = QueriesPage(self.list_model)
        desk.access.gate(Permission.HANDLE_QUERIES, self.page.new_button)
        self.page.open_row.connect(self.open_query)
        self.page.log_query.connect(lambda: self.log_query(None))

    def on_changed(self, changes: Changes) -> None:
        if changes.touches(QUERIES_SHOW):
            self.list_model.refresh()
            self.update_badge()

    def set_formatter(self, formatter: Formatter) -> None:
        self.list_model.set_formatter(formatter)

    def show_queries(self) -> None:
        self.list_model.refresh()
        self.update_badge()
        self.desk.shell.show_page(self.page)
        self.page.table.setFocus()

    def update_badge(self) -> None:
        """The navigation says how many queries wait for me, and how many have no owner."""
        counts = attempt(self.window, lambda: self._queries.waiting_counts(self.actor.user_id))
        if counts is None:
            return
        mine, unowned = counts[QueryScope.MINE], counts[QueryScope.UNASSIGNED]
        text = "Queries" + (f" ({mine})" if mine else "")
        if unowned:
            text += f" · {unowned} unassigned"
        self.desk.shell.set_badge(self.page, text)
        self.page.set_unassigned_count(unowned)

    def log_query(self, customer_id: int | None) -> LogQueryDialog:
        dialog = LogQueryDialog(self._queries, self._customer_list, self.actor,
                                users=self.desk.active_users(), formatter=self.desk.formatter,
                                clock=self.desk.clock,
                                categories=attempt(self.window, self._queries.categories),
                                customer=self.desk.customer_choice(customer_id),
                                parent=self.window)

        def changes() -> Changes:
            saved = dialog.saved
            return Changes.of(Change.QUERIES, [saved.customer_id] if saved else None)

        def done() -> str:
            saved = dialog.saved
            return (f"Query logged for {saved.customer_name}, owned by {saved.owner_name}"
                    if saved else "")
        return self.desk.ops.dialog(dialog, changes=changes, done=done)

    def open_query(self, query_id: int) -> QueryDialog | None:
        query = attempt(self.window, lambda: self._queries.get(query_id))
        if query is None:
            return None
        dialog = QueryDialog(self._queries, self.actor, query, users=self.desk.active_users(),
                             formatter=self.desk.formatter, clock=self.desk.clock,
                             parent=self.window)
        self.desk.access.gate(Permission.HANDLE_QUERIES, *dialog.step_buttons.values(),
                              dialog.reopen_button, dialog.reassign_button)
        self.desk.access.gate(Permission.FOLLOW_UP, dialog.follow_up_button)
        # The query window stays open while it moves the query on: each step is announced.
        dialog.changed.connect(lambda _id: self.desk.ops.announce(
            Changes.of(Change.QUERIES, [query.customer_id])))
        dialog.open_customer.connect(self.open_customer)
        dialog.follow_up.connect(lambda cid, qid: self.follow_up.emit(
            cid, "query", qid, f"Check it stayed solved: {query.subject}"))
        return self.desk.ops.dialog(dialog)
