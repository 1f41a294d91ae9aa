"""Two desks edited the same record (a customer, a follow-up): what differs, field by field,
and the edit that keeps what each person chose.

Three versions meet: as it was when this desk opened the form (``base``), as this desk typed
it (``mine``) and as the other desk saved it (``theirs``), each the service's input
dataclass. Only fields where mine and theirs differ need a choice; the sensible one is
preselected (a field only they changed: theirs; a field I changed: mine), and nothing is
saved until the person confirms it.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, TypeVar

Input = TypeVar("Input")
Fields = tuple[tuple[str, str], ...]

# A customer form's fields, in the form's order, with the words a person knows them by.
CUSTOMER_FIELDS: Fields = (
    ("first_name", "First name"), ("last_name", "Last name"), ("company", "Company"),
    ("contacts", "Phones and e-mails"), ("addresses", "Addresses"),
    ("preferences", "Preferences"), ("dates", "Dates to remember"), ("status", "Status"),
    ("lost_reason", "Why lost"), ("owner_id", "Looked after by"), ("tags", "Tags"),
    ("source", "Source"))
# A follow-up's (FollowUpInput).
FOLLOW_UP_FIELDS: Fields = (
    ("due", "Day"), ("at", "Time"), ("channel", "How"), ("purpose", "What for"),
    ("assignee_id", "For"), ("repeat", "Repeats"), ("notes", "Notes"))
# An order draft's (DraftInput).
ORDER_DRAFT_FIELDS: Fields = (("lines", "Lines"), ("notes", "Notes"))
_ROWS = ("contacts", "addresses", "preferences", "dates", "lines")
# What makes a row more than a blank one left for typing (a date row is never blank).
_CONTENT = {"contacts": ("value",), "preferences": ("text",),
            "lines": ("description", "product_id", "quantity"),
            "addresses": ("line1", "line2", "postal_code", "city", "region", "country")}


@dataclass(frozen=True)
class FieldConflict:
    name: str  # the input's attribute
    label: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def i_changed(self) -> bool:
        return bool(comparable(self.name, self.mine) != comparable(self.name, self.base))

    @property
    def they_changed(self) -> bool:
        return bool(comparable(self.name, self.theirs) != comparable(self.name, self.base))

    @property
    def theirs_by_default(self) -> bool:
        """Preselected: theirs where only they changed it, mine where I did."""
        return not self.i_changed


def comparable(name: str, value: Any) -> Any:
    """A field's value as two desks would agree it is the same: rows without their ids and
    without the blank rows a form keeps for typing, tags in any order, text trimmed."""
    if name in _ROWS:
        rows = []
        for row in value:
            fields = {k: (v.strip() if isinstance(v, str) else v)
                      for k, v in vars(row).items() if k != "id"}
            if name == "dates" or any(fields[key] for key in _CONTENT[name]):
                rows.append(tuple(sorted(fields.items())))
        return tuple(rows)
    if name == "tags":
        return tuple(sorted(t.strip().casefold() for t in value if t.strip()))
    return value.strip() if isinstance(value, str) else value


def conflicts(base: Input, mine: Input, theirs: Input,
              fields: Fields = CUSTOMER_FIELDS) -> list[FieldConflict]:
    """The fields where what I typed and what they saved differ, in the form's order."""
    found = []
    for name, label in fields:
        mine_value, theirs_value = getattr(mine, name), getattr(theirs, name)
        if comparable(name, mine_value) != comparable(name, theirs_value):
            found.append(FieldConflict(name, label, getattr(base, name), mine_value,
                                       theirs_value))
    return found


def merged(mine: Input, theirs: Input, take_theirs: Collection[str]) -> Input:
    """My edit with ``take_theirs`` fields as they saved them. A row of mine that they
    removed meanwhile is kept as a new row, not as an update of one that is gone."""
    result = replace(mine)  # type: ignore[type-var]
    for name in take_theirs:
        setattr(result, name, copy.deepcopy(getattr(theirs, name)))
    for name in _ROWS:
        if name in take_theirs or not hasattr(mine, name):
            continue
        still_there = {row.id for row in getattr(theirs, name) if row.id is not None}
        setattr(result, name, [row if row.id is None or row.id in still_there
                               else replace(row, id=None) for row in getattr(mine, name)])
    return result
