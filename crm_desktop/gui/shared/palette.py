"""The few colours that carry meaning, in one place so they stay the same everywhere."""

from __future__ import annotations

# Errors at a field, overdue queries and invoices, a rising complaint category.
ALERT = "#b3261e"

# A backup opened to look inside: its window's banner, so it is never taken for the shop.
LOOKING_INSIDE = "#ffd54f"
