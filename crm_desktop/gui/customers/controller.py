"""Customers: the list, the profile, the form, notes, contacts logged, merges and the trash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from crm_desktop.formatting import SETTABLE_STATUSES, STATUS_LABELS, Formatter
from crm_desktop.gui.customers.consent_dialog import ConsentDialog
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.customers.customer_list_model import CustomerListModel
from crm_desktop.gui.customers.customer_list_page import CustomersPage
from crm_desktop.gui.customers.customer_profile_view import CustomerProfileView
from crm_desktop.gui.customers.log_contact_dialog import LogContactDialog
from crm_desktop.gui.customers.retention_dialog import RetentionDialog
from crm_desktop.gui.customers.timeline_model import TimelineModel
from crm_desktop.gui.customers.trash_page import TrashPage
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.gui.shared.other_desks import describe
from crm_desktop.gui.shared.ui_state import restore_splitter, save_splitter
from crm_desktop.models import CustomerStatus
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.consent import ConsentService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import (
    BulkChange,
    CustomerDetail,
    CustomerService,
)
from crm_desktop.services.customers.personal_data import PersonalDataService
from crm_desktop.services.customers.retention import RetentionService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackService

# What the customer list shows depends on these (status, next follow-up, open queries…).
LIST_SHOWS = (Change.CUSTOMERS | Change.HISTORY | Change.FOLLOW_UPS | Change.ORDERS
              | Change.QUERIES | Change.USERS)
# The profile shows all of a customer's history.
PROFILE_SHOWS = (LIST_SHOWS | Change.INVOICES | Change.FEEDBACK) & ~Change.USERS


class CustomersController(Controller):
    # Who changed what on a customer: (id, name, the window to show it over).
    changes_requested = Signal(int, str, object)

    def __init__(self, desk: Desk, customers: CustomerService, *,
                 customer_list: CustomerListService, timeline: TimelineService,
                 feedback: FeedbackService, personal_data: PersonalDataService,
                 consent: ConsentService, retention: RetentionService,
                 ui_state: QSettings) -> None:
        super().__init__(desk)
        self._customers = customers
        self._personal_data = personal_data
        self._consent = consent
        self._retention = retention
        self._timeline = timeline
        self._feedback = feedback
        self._ui_state = ui_state
        self._forms: list[CustomerFormDialog] = []  # open, being edited
        self.list_model = CustomerListModel(customer_list, desk.formatter,
                                            count_later=desk.background.run)
        self.list_page = CustomersPage(self.list_model, ui_state, desk.background)
        self.timeline_model = TimelineModel(timeline, desk.formatter)
        self.profile = CustomerProfileView(desk.formatter, self.timeline_model)
        self.trash_page = TrashPage(desk.access)
        self._gate_actions()
        desk.customer_choice = self.customer_choice

        self.list_page.open_customer.connect(self.open_customer)
        self.list_page.new_customer.connect(self.new_customer)
        self.list_page.bulk_requested.connect(self.bulk_change)
        self.profile.back.connect(self.show_list)
        self.profile.edit.connect(self.edit_customer)
        self.profile.delete.connect(self.delete_customer)
        self.profile.log_contact.connect(self.log_contact)
        self.profile.add_note.connect(self.add_note)
        self.profile.pin_note.connect(self.pin_note)
        self.profile.delete_note.connect(self.delete_note)
        self.profile.export_personal_data.connect(self.export_personal_data)
        self.profile.erase_personal_data.connect(self.erase_personal_data)
        self.profile.edit_consent.connect(self.edit_consent)
        self.trash_page.restore.connect(self.restore_customers)
        self.trash_page.purge.connect(self.purge_customers)
        self._refresh_choices()
        restore_splitter(ui_state, "profile", self.profile.splitter)

    def _gate_actions(self) -> None:
        """Offer on the list and the profile only what this person may do."""
        gate, profile = self.desk.access.gate, self.profile
        gate(Permission.WORK_WITH_CUSTOMERS, self.list_page.new_button, profile.edit_button,
             profile.log_button, profile.add_note_button, profile.consent_button)
        gate(Permission.DELETE_CUSTOMERS, profile.delete_button)
        gate(Permission.HANDLE_QUERIES, profile.query_button, profile.feedback_button)
        gate(Permission.FOLLOW_UP, profile.follow_up_button)
        gate(Permission.TAKE_ORDERS, profile.new_order_button)
        gate(Permission.ISSUE_INVOICES, profile.invoice_button)
        gate(Permission.HANDLE_PERSONAL_DATA, profile.personal_data_button)

    # ---- what the shell and the other capabilities use ----------------------------------------

    def current_customer_id(self) -> int | None:
        """The customer on screen, if the profile is the current page."""
        if self.desk.shell.is_current(self.profile) and self.profile.customer is not None:
            return self.profile.customer.id
        return None

    def customer_choice(self, customer_id: int | None) -> tuple[int, str] | None:
        """The customer's id and name for a dialog, without a query if the profile shows them."""
        if customer_id is None:
            return None
        shown = self.profile.customer
        if shown is not None and shown.id == customer_id:
            return (customer_id, shown.display_name)
        customer = attempt(self.window, lambda: self._customers.get(customer_id))
        return (customer_id, customer.display_name) if customer is not None else None

    def on_changed(self, changes: Changes) -> None:
        if changes.remote and changes.touches(Change.CUSTOMERS):
            self._tell_open_forms(changes)
        if changes.touches(Change.CUSTOMERS | Change.USERS):
            self._refresh_choices()
        if changes.touches(LIST_SHOWS):
            self.list_model.refresh()
        shown = self.profile.customer
        if (changes.touches(PROFILE_SHOWS) and shown is not None
                and self.desk.shell.is_current(self.profile) and changes.concerns(shown.id)):
            self.open_customer(shown.id)
        if changes.touches(Change.CUSTOMERS) and self.desk.shell.is_current(self.trash_page):
            self.show_trash()

    def set_formatter(self, formatter: Formatter) -> None:
        self.list_model.set_formatter(formatter)
        self.profile.set_formatter(formatter)
        if self.profile.customer is not None:
            self.profile.show_customer(self.profile.customer)

    def save_state(self) -> None:
        save_splitter(self._ui_state, "profile", self.profile.splitter)
        self.list_page.save_state()

    # ---- pages -------------------------------------------------------------------------------

    def show_list(self) -> None:
        self.desk.shell.show_page(self.list_page)
        self.list_page.table.setFocus()

    def focus_search(self) -> None:
        self.show_list()
        self.list_page.focus_search()

    def open_customer(self, customer_id: int) -> None:
        customer = attempt(self.window, lambda: self._customers.get(customer_id))
        if customer is None:
            self.list_model.refresh()  # gone meanwhile: the list should say so too
            return
        self.show_profile(customer)

    def show_profile(self, customer: CustomerDetail) -> None:
        self.profile.show_customer(customer)
        ratings = attempt(self.window, lambda: self._feedback.ratings(customer.id))
        if ratings is not None:
            self.profile.show_ratings(ratings)
        self.desk.shell.show_page(self.profile)
        self.profile.edit_button.setFocus()

    def show_trash(self) -> None:
        self.trash_page.show_rows(self._customers.trash(), self.desk.formatter)
        self.desk.shell.show_page(self.trash_page)

    def _refresh_choices(self) -> None:
        self.list_page.set_choices(self._customers.all_tags(), self.desk.active_users())

    # ---- the form ------------------------------------------------------------------------------

    def new_customer(self) -> CustomerFormDialog:
        return self._open_form(None)

    def edit_customer(self, customer_id: int) -> CustomerFormDialog | None:
        existing = attempt(self.window, lambda: self._customers.get(customer_id))
        return self._open_form(existing) if existing is not None else None

    def _open_form(self, existing: CustomerDetail | None) -> CustomerFormDialog:
        dialog = CustomerFormDialog(self._customers, self.actor, self.desk.active_users(),
                                    existing, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._form_closed(dialog, result))
        dialog.open_existing.connect(self.open_customer)
        if existing is not None:
            dialog.show_changes.connect(lambda customer_id: self.changes_requested.emit(
                customer_id, existing.display_name, dialog))
        self._forms.append(dialog)
        dialog.open()
        return dialog

    def _tell_open_forms(self, changes: Changes) -> None:
        """A customer being edited here was saved at another desk: the form says so."""
        for form in self._forms:
            customer_id = form.customer_id
            if customer_id is None or not changes.concerns(customer_id):
                continue
            theirs = [e for e in changes.saved if e.customer_id == customer_id]
            form.changed_elsewhere(
                describe(theirs).removesuffix(".") + " just now." if theirs else
                "Another desk saved many changes just now; this customer may be among them.")

    def _form_closed(self, dialog: CustomerFormDialog, result: int) -> None:
        if dialog in self._forms:
            self._forms.remove(dialog)
        saved = dialog.saved
        if result != QDialog.DialogCode.Accepted or saved is None:
            return
        # Edited from their profile: the announcement reloads it. Otherwise show them.
        shown = self.profile.customer
        reloads = (self.desk.shell.is_current(self.profile) and shown is not None
                   and shown.id == saved.id)
        self.desk.ops.announce(Changes.of(Change.CUSTOMERS, [saved.id]),
                               f"Saved {saved.display_name}")
        if not reloads:
            self.show_profile(saved)

    def delete_customer(self, customer_id: int, version: int) -> None:
        name = self.profile.customer.display_name if self.profile.customer else "this customer"
        if not _confirm(self.window, "Delete customer?",
                        f"Move {name} to the trash? The owner can restore them for 30 days."):
            return
        if attempt(self.window,
                   lambda: self._customers.delete(customer_id, version, self.actor)) is None:
            return
        self.show_list()  # first: the profile must not reload a customer now in the trash
        self.desk.ops.announce(Changes.of(Change.CUSTOMERS, [customer_id]),
                               f"Moved {name} to the trash")

    # ---- contacts and notes ------------------------------------------------------------------

    def log_contact(self, customer_id: int) -> LogContactDialog:
        name = self.profile.customer.display_name if self.profile.customer else ""
        dialog = LogContactDialog(self._timeline, self.actor, customer_id=customer_id,
                                  customer_name=name, clock=self.desk.clock, parent=self.window)
        return self.desk.ops.dialog(
            dialog, changes=Changes.of(Change.HISTORY | Change.FOLLOW_UPS, [customer_id]),
            done="Contact logged")

    def log_current(self) -> None:
        customer_id = self.current_customer_id()
        if customer_id is not None:
            self.log_contact(customer_id)

    def note_current(self) -> None:
        customer_id = self.current_customer_id()
        if customer_id is not None:
            self.add_note(customer_id)

    def add_note(self, customer_id: int) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self.window, "Add a personal note",
            "What should everyone remember? (It is pinned to the banner; unpin it later.)")
        if ok and text.strip():
            self._profile_action(lambda: self._customers.add_note(customer_id, text, self.actor))

    def pin_note(self, note_id: int, pinned: bool) -> None:
        self._profile_action(
            lambda: self._customers.set_note_pinned(note_id, pinned, self.actor))

    def delete_note(self, note_id: int) -> None:
        if _confirm(self.window, "Delete note?", "Delete this note for good?"):
            self._profile_action(lambda: self._customers.delete_note(note_id, self.actor))

    def _profile_action(self, action: Callable[[], CustomerDetail]) -> None:
        self.desk.ops.run(self.window, action,
                          changes=lambda customer: Changes.of(Change.CUSTOMERS, [customer.id]))

    # ---- many at once ------------------------------------------------------------------------

    def bulk_change(self, kind: str) -> None:
        ids = self.list_page.selected_ids()
        if kind == "merge":
            if len(ids) == 2:
                self.merge_customers(*ids)
            return
        if not ids:
            return
        who = f"{len(ids):,} selected customer{'s' if len(ids) > 1 else ''}"
        change = self._ask_bulk_change(kind, who)
        if change is None:
            return
        self.desk.ops.run(self.window,
                          lambda: self._customers.bulk_change(ids, change, self.actor),
                          changes=Changes.of(Change.CUSTOMERS, ids),
                          done=lambda changed: f"Changed {changed:,} customers")

    def _ask_bulk_change(self, kind: str, who: str) -> BulkChange | None:
        if kind in ("add_tag", "remove_tag"):
            adding = kind == "add_tag"
            tag, ok = QInputDialog.getItem(
                self.window, "Add a tag" if adding else "Remove a tag",
                f"Tag to {'add to' if adding else 'remove from'} {who}:",
                self._customers.all_tags(), 0, adding)
            if not ok or not tag.strip():
                return None
            return BulkChange(add_tag=tag) if adding else BulkChange(remove_tag=tag)
        if kind == "owner":
            users = self.desk.active_users()
            names = [u.display_name for u in users]
            name, ok = QInputDialog.getItem(self.window, "Change owner",
                                            f"Who looks after {who}?", names, 0, False)
            return BulkChange(owner_id=users[names.index(name)].id) if ok else None
        labels = [STATUS_LABELS[s] for s in SETTABLE_STATUSES]
        label, ok = QInputDialog.getItem(self.window, "Change status", f"New status for {who}:",
                                         labels, 0, False)
        if not ok:
            return None
        status = SETTABLE_STATUSES[labels.index(label)]
        reason = ""
        if status is CustomerStatus.LOST:
            reason, ok = QInputDialog.getText(self.window, "Why lost?", f"Why were {who} lost?")
            if not ok:
                return None
        return BulkChange(status=status, lost_reason=reason)

    def merge_customers(self, first_id: int, second_id: int) -> None:
        pair = attempt(self.window, lambda: (self._customers.get(first_id),
                                             self._customers.get(second_id)))
        if pair is None:
            return
        first, second = pair
        choices = [f"{c.display_name} ({c.number})" for c in (first, second)]
        chosen, ok = QInputDialog.getItem(
            self.window, "Merge two customers",
            "Keep which one? Everything the other has moves over to it, and the other goes to "
            "the trash.", choices, 0, False)
        if not ok:
            return
        keep, duplicate = (first, second) if chosen == choices[0] else (second, first)
        merged = self.desk.ops.run(
            self.window, lambda: self._customers.merge(keep.id, duplicate.id, self.actor),
            changes=Changes.of(Change.CUSTOMERS, [keep.id, duplicate.id]),
            done=f"Merged {duplicate.display_name} into {keep.display_name}")
        if merged is not None:
            self.show_profile(merged)

    # ---- personal data, on the customer's request ---------------------------------------------

    def export_personal_data(self, customer_id: int) -> None:
        """Everything we hold about them, as a PDF to hand over and a JSON file, written on
        the worker into the folder chosen."""
        folder = QFileDialog.getExistingDirectory(
            self.window, "Where to put what we hold about this customer")
        if not folder:
            return
        service, actor, target = self._personal_data, self.actor, Path(folder)
        shop = self.desk.shell.shop_name()

        def done(paths: tuple[Path, Path]) -> None:
            self.desk.ops.say(f"Exported {paths[1].name} and {paths[0].name} to {target}",
                              10_000)

        self.desk.background.write_file(
            self.window, "Gathering what we hold about the customer…", target,
            work=lambda _report: service.export(customer_id, target, actor, shop_name=shop),
            done=done)

    def edit_consent(self, customer_id: int) -> ConsentDialog | None:
        shown = self.profile.customer
        if shown is None or shown.id != customer_id:
            return None
        dialog = ConsentDialog(self._consent, self.actor, self.desk.formatter,
                               customer_id=customer_id, customer_name=shown.display_name,
                               current=shown.consents, parent=self.window)
        return self.desk.ops.dialog(dialog, changes=Changes.of(Change.CUSTOMERS, [customer_id]),
                                    done="Answers about offers saved")

    def erase_personal_data(self, customer_id: int) -> None:
        """Name what goes and what stays, ask, and erase; or say why it cannot be yet."""
        plan = attempt(self.window, lambda: self._personal_data.plan_erase(customer_id,
                                                                           self.actor))
        if plan is None:
            return
        if plan.refusals:
            QMessageBox.warning(self.window, "Not yet",
                                f"{plan.name}'s personal data cannot be erased yet:\n\n• "
                                + "\n• ".join(plan.refusals))
            return
        goes = ", ".join(f"{count:,} {what}" for what, count in plan.counts.items())
        kept = (f"\n\nKept, as the law asks: {plan.kept_invoices:,} invoice(s) and credit "
                "note(s) as they were issued." if plan.kept_invoices else "")
        if not _confirm(
                self.window, "Erase personal data for good?",
                f"Erase {plan.name}'s personal data? Their name, and "
                f"{goes or 'nothing else'} will go; the profile becomes “Erased customer”."
                f"{kept}\n\nThe audit trail keeps who changed what and when, without the "
                "values. Backups made before now still hold the data until they age out. "
                "This cannot be undone."):
            return
        erased = self.desk.ops.run(
            self.window, lambda: self._personal_data.erase(customer_id, self.actor),
            changes=Changes.of(Change.CUSTOMERS, [customer_id]),
            done=f"Erased {plan.name}'s personal data")
        if erased is not None:
            self.open_customer(customer_id)

    # ---- the retention review ----------------------------------------------------------------

    def review_retention(self) -> RetentionDialog:
        retention, actor = self._retention, self.actor
        dialog = RetentionDialog(lambda: retention.review(actor), self.desk.background,
                                 self.desk.formatter, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_customer.connect(self.open_customer)
        dialog.keep.connect(lambda ids: self._keep_reviewed(dialog, ids))
        dialog.erase.connect(lambda ids: self._erase_reviewed(dialog, ids))
        dialog.show()
        dialog.refresh()
        return dialog

    def _keep_reviewed(self, dialog: RetentionDialog, customer_ids: list[int]) -> None:
        kept = self.desk.ops.run(
            dialog, lambda: self._retention.keep(customer_ids, self.actor),
            changes=Changes.of(Change.CUSTOMERS, customer_ids),
            done=lambda count: f"Kept {count:,} customer(s)")
        if kept is not None:
            dialog.refresh()

    def _erase_reviewed(self, dialog: RetentionDialog, customer_ids: list[int]) -> None:
        if not _confirm(
                dialog, "Erase personal data for good?",
                f"Erase the personal data of {len(customer_ids):,} customer(s)? Their names, "
                "contacts, addresses, notes, dates and the words of their history go; issued "
                "invoices stay as they were issued. Anyone with something still open (an "
                "unpaid invoice, a draft, an order not delivered) is left as they are.\n\n"
                "Backups made before now still hold the data until they age out. This cannot "
                "be undone."):
            return
        result = self.desk.ops.run(
            dialog, lambda: self._personal_data.erase_many(customer_ids, self.actor),
            changes=Changes.of(Change.CUSTOMERS, customer_ids),
            done=lambda r: f"Erased the personal data of {len(r.erased):,} customer(s)")
        if result is None:
            return
        if result.refused:
            reasons = "\n".join(f"• {plan.name}: {' '.join(plan.refusals)}"
                                 for plan in result.refused[:10])
            more = (f"\n… and {len(result.refused) - 10:,} more."
                    if len(result.refused) > 10 else "")
            QMessageBox.information(
                dialog, "Some were left as they are",
                f"Erased {len(result.erased):,}. Not yet erased:\n\n{reasons}{more}")
        dialog.refresh()

    # ---- the trash ---------------------------------------------------------------------------

    def restore_customers(self, customer_ids: list[int]) -> None:
        self.desk.ops.run(self.window,
                          lambda: self._customers.restore_many(customer_ids, self.actor),
                          changes=Changes.of(Change.CUSTOMERS, customer_ids),
                          done=lambda restored: f"Restored {restored:,} customer(s)")

    def purge_customers(self, customer_ids: list[int]) -> None:
        if not _confirm(self.window, "Purge for good?",
                        f"Delete {len(customer_ids):,} customer(s) and their notes and history "
                        "for good? This cannot be undone."):
            return

        def done(purged: int) -> str:
            kept = len(customer_ids) - purged
            note = f"; kept {kept:,} with orders or invoices" if kept else ""
            return f"Purged {purged:,} customer(s){note}"
        self.desk.ops.run(self.window, lambda: self._customers.purge(customer_ids, self.actor),
                          changes=Changes.of(Change.CUSTOMERS, customer_ids), done=done)


def _confirm(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes
                                  | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes
