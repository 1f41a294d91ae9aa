"""Post to customers: the *Labels and envelopes…* dialog, for the customer on screen, the
selection, the customers the list shows, or everyone."""

from __future__ import annotations

from crm_desktop.gui.mailing.post_dialog import Choice, PostDialog
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.mailing.mailing_service import MailingService


class MailingController(Controller):
    def __init__(self, desk: Desk, mailing: MailingService, settings: SettingsService,
                 customer_list: CustomerListService) -> None:
        super().__init__(desk)
        self._mailing = mailing
        self._settings = settings
        self._customer_list = customer_list
        self.dialog: PostDialog | None = None

    def open_post(self, filters: CustomerFilter, selected_ids: list[int],
                  current: tuple[int, str] | None = None) -> PostDialog | None:
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
                            parent=self.window)
        dialog.printed.connect(self.desk.ops.say)
        self.dialog = dialog
        dialog.show()
        return dialog
