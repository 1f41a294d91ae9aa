"""How what the other desk saved reads in the status bar and which pages it touches."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm_desktop.gui.shared.operations import Change
from crm_desktop.gui.shared.other_desks import EVERY_KIND, changes_of, describe
from crm_desktop.models import AuditAction
from crm_desktop.storage.change_feed import Arrivals, SavedElsewhere

AT = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)


def saved(entity: str, action: AuditAction = AuditAction.UPDATE, *, customer: int | None = 7,
          name: str = "Margo Delacroix", fields: tuple[str, ...] = (),
          values: dict[str, Any] | None = None, who: str = "Rita Reception") -> SavedElsewhere:
    return SavedElsewhere(1, AT, 2, who, action, entity, 3, customer,
                          name if customer else "", fields, values or {})


def test_sentences_say_who_changed_what_in_words() -> None:
    assert describe([saved("history_entries", AuditAction.CREATE, values={"kind": "email"}),
                     saved("customers", fields=("last_contact_at",))]) == (
        "Rita Reception logged an e-mail with Margo Delacroix.")
    assert describe([saved("customers", fields=("last_name", "sort_name")),
                     saved("addresses")]) == (
        "Rita Reception changed Margo Delacroix's name and address.")
    assert describe([saved("customers", AuditAction.CREATE, fields=("first_name",))]) == (
        "Rita Reception added Margo Delacroix.")
    assert describe([saved("customers"), saved("customers", customer=8, name="Jim Hart")]) == (
        "Rita Reception saved changes to 2 customers.")
    assert describe([saved("settings", customer=None, who="")]) == (
        "The other desk changed the shop's settings.")


def test_what_pages_a_change_touches_and_for_whom() -> None:
    changes = changes_of(Arrivals((saved("follow_ups"),)))
    assert changes is not None and changes.remote and changes.customer_ids == {7}
    assert changes.touches(Change.FOLLOW_UPS) and not changes.touches(Change.INVOICES)
    assert changes_of(Arrivals((saved("users", AuditAction.SIGN_IN, customer=None),))) is None
    everything = changes_of(Arrivals(everything=True))
    assert everything is not None and everything.what == EVERY_KIND
    assert everything.customer_ids is None
