"""Two desks edited one customer: what differs, what is preselected, what is saved."""

from __future__ import annotations

from crm_desktop.models import ContactKind
from crm_desktop.services.customers.customer_service import ContactInput, CustomerInput
from crm_desktop.services.edit_conflicts import conflicts, merged

PHONE = ContactKind.PHONE


def margo(**changes: object) -> CustomerInput:
    base = CustomerInput(first_name="Margo", last_name="Delacroix", tags=["VIP"],
                         contacts=[ContactInput(PHONE, "(201) 555-0123", id=7)])
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_only_fields_that_differ_are_asked_with_the_likely_choice_preselected() -> None:
    base = margo()
    mine = margo(company="Delacroix & Fils",
                 contacts=[ContactInput(PHONE, "(201) 555-0123", id=7),
                           ContactInput(PHONE, "", id=None)])  # a blank row for typing
    theirs = margo(contacts=[ContactInput(PHONE, "(201) 555-0199", id=7)], tags=["vip"])
    found = {c.name: c for c in conflicts(base, mine, theirs)}
    assert set(found) == {"company", "contacts"}  # "VIP"/"vip" and the blank row agree
    assert not found["company"].theirs_by_default  # I changed it: mine
    assert found["contacts"].theirs_by_default  # only they changed it: theirs
    both = conflicts(base, margo(first_name="Marg"), margo(first_name="Margot"))
    assert [(c.i_changed, c.they_changed, c.theirs_by_default) for c in both] == [
        (True, True, False)]


def test_the_merge_takes_what_was_chosen_and_keeps_rows_they_removed_as_new() -> None:
    mine = margo(company="Delacroix & Fils",
                 contacts=[ContactInput(PHONE, "(201) 555-0123", id=7),
                           ContactInput(PHONE, "(201) 555-0456", id=8)])
    theirs = margo(last_name="Delacroix-Øster",
                   contacts=[ContactInput(PHONE, "(201) 555-0199", id=9)])
    kept_mine = merged(mine, theirs, take_theirs={"last_name"})
    assert (kept_mine.last_name, kept_mine.company) == ("Delacroix-Øster", "Delacroix & Fils")
    assert [(c.value, c.id) for c in kept_mine.contacts] == [
        ("(201) 555-0123", None), ("(201) 555-0456", None)]  # 7 and 8 are gone there
    took_theirs = merged(mine, theirs, take_theirs={"contacts"})
    assert [(c.value, c.id) for c in took_theirs.contacts] == [("(201) 555-0199", 9)]
    assert took_theirs.contacts is not theirs.contacts  # a copy: editing it leaves theirs
