"""Words with placeholders, as the invoice's thank-you note and the shop's letters have:
``{first_name}`` and the like, filled in for each customer. A line whose placeholder has
nothing to fill it is left out rather than printed half empty."""

from __future__ import annotations

import string
from collections.abc import Mapping

_formatter = string.Formatter()


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled from ``values``; a line that uses one with
    no value (or none given) is left out."""
    blank = _Blank(values)
    kept = []
    for line in template.splitlines():
        used = {name for _t, name, _s, _c in _formatter.parse(line) if name}
        if all(blank[name] for name in used):
            kept.append(line.format_map(blank))
    return "\n".join(kept)


def problem(template: str, allowed: Mapping[str, str]) -> str | None:
    """What is wrong with ``template``'s placeholders, in words (None: nothing). Only the
    names in ``allowed``, bare: no format (a width of a million) and no conversion."""
    try:
        parsed = list(_formatter.parse(template))
    except ValueError:
        return "A brace is not closed; placeholders look like {first_name}."
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return (f"Unknown placeholder {{{shown}}}; use "
                    + ", ".join(f"{{{n}}}" for n in allowed) + ".")
    return None
