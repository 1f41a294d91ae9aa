"""Post to customers: letters, cards, labels and envelopes, for the customer on screen, the
selection, the customers the list shows, or everyone; a letter sent goes on each customer's
timeline."""

from __future__ import annotations

from crm_desktop.gui.mailing.post_dialog import LABELS, LETTERS, Choice, PostDialog
from crm_desktop.gui.mailing.templates_dialog import TemplatesDialog
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.mailing.letter_service import LetterService
from crm_desktop.services.mailing.mailing_service import MailingService


class MailingController(Controller):
    def __init__(self, desk: Desk, mailing: MailingService, settings: SettingsService,
                 customer_list: CustomerListService, *, letters: LetterService) -> None:
        super().__init__(desk)
        self._mailing = mailing
        self._letters = letters
        self._settings = settings
        self._customer_list = customer_list
        self.dialog: PostDialog | None = None
        self.templates_dialog: TemplatesDialog | None = None

    def open_post(self, filters: CustomerFilter, selected_ids: list[int],
                  current: tuple[int, str] | None = None, *, kind: str = LABELS,
                  template: str = "") -> PostDialog | None:
        """The dialog, offering first the customer on screen, else the selection, else the
        customers the list shows."""
        choices: list[Choice] = []
        if current is not None:
            choices.append(Choice(current[1], (current[0],)))
        if selected_ids:
            choices.append(Choice(f"The selected customers ({len(selected_ids):,})",
                                  tuple(selected_ids)))
        listing = self._customer_list
        everyone = attempt(self.window, lambda: listing.matching_ids(CustomerFilter()))
        if everyone is None:
            return None
        if filters != CustomerFilter():
            shown = attempt(self.window, lambda: listing.matching_ids(filters))
            if shown is None:
                return None
            choices.append(Choice(f"The customers the list shows ({len(shown):,})",
                                  tuple(shown)))
        choices.append(Choice(f"All customers ({len(everyone):,})", tuple(everyone)))
        settings = attempt(self.window, self._settings.business)
        if settings is None:
            return None
        dialog = PostDialog(self._mailing, self.desk.background, self.actor, settings, choices,
                            letters=self._letters, kind=kind, template=template,
                            parent=self.window)
        dialog.printed.connect(self.desk.ops.say)
        dialog.letters_sent.connect(self._letters_sent)
        self.dialog = dialog
        dialog.show()
        return dialog

    def write_to(self, customer: tuple[int, str], template: str) -> PostDialog | None:
        """A letter or card for one customer (a birthday on Today, a complaint, an overdue
        invoice), the template chosen for the occasion."""
        return self.open_post(CustomerFilter(), [], customer, kind=LETTERS, template=template)

    def edit_letters(self) -> TemplatesDialog:
        """The owner's words for each letter and card."""
        dialog = TemplatesDialog(self._letters, self.actor, self.window)
        self.templates_dialog = dialog
        dialog.show()
        return dialog

    def _letters_sent(self, customer_ids: list[int], message: str) -> None:
        self.desk.ops.announce(Changes.of(Change.HISTORY, customer_ids), message)
