"""What we hold about a customer, as a PDF they can read: a title page line, then each kind
of record (profile, contacts, history, orders, invoices, …) with its fields in words.
Made from the same data as the JSON export (``PersonalDataService.gather``)."""

from __future__ import annotations

import io
import re
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crm_desktop.documents import fonts
from crm_desktop.models import enums

SECTIONS = {
    "customers": "Profile", "contact_points": "Phones and e-mail addresses",
    "addresses": "Addresses", "preferences": "Preferences", "personal_notes": "Notes",
    "important_dates": "Birthdays and other dates", "history_entries": "History",
    "orders": "Orders", "order_lines": "What was ordered", "order_events": "Order events",
    "invoices": "Invoices and credit notes", "invoice_lines": "Invoice lines",
    "payments": "Payments", "queries": "Questions asked", "query_events": "What happened "
    "to the questions", "feedback": "Complaints, wins and feedback", "follow_ups":
    "Follow-ups planned", "import_batch_items": "Where the details came from (imports)",
    "customer_sources": "Where the details came from (address books)",
    "marketing_consents": "May we send you offers? (your answers)",
}
# Bookkeeping a person has no use for; the JSON export keeps it all.
_SKIPPED = frozenset({"id", "version", "sort_name", "position", "updated_at", "normalized",
                      "digits", "gap_count", "usual_gap_days", "quiet_after_at", "time_zone",
                      "suggestion_key", "source_kind", "seed"})
_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)[\d:.]*([+-]\d\d:\d\d)?")
_CELL_LIMIT = 4000  # a field longer than this is cut in the PDF (never in the JSON)
# The app's own words for a kind of thing ("in_writing", "best_time"), read as words; a
# customer's own text is never among them, as they are only the values of kinds.
_KINDS = frozenset(member.value for kind in vars(enums).values()
                   if isinstance(kind, type) and issubclass(kind, StrEnum) and kind is not StrEnum
                   for member in kind)


def _label(column: str) -> str:
    return column.removesuffix("_id").replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value in _KINDS:
        return escape(value.replace("_", " ").capitalize())
    text = _TIMESTAMP.sub(lambda m: f"{m[1]} {m[2]}" + (
        "" if m[3] in (None, "+00:00") else f" ({m[3]})"), str(value))
    if len(text) > _CELL_LIMIT:
        text = text[:_CELL_LIMIT] + " … (the whole text is in the JSON file)"
    # Characters a PDF cannot hold as text (lone surrogates) become replacement marks.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return escape(text).replace("\n", "<br/>")


def render(data: dict[str, Any], shop_name: str = "") -> bytes:
    fonts.register()
    body = ParagraphStyle("body", fontName=fonts.BODY, fontSize=9, leading=11.5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10,
                           textColor=colors.HexColor("#555555"))
    title = ParagraphStyle("title", parent=body, fontName=fonts.BODY_BOLD, fontSize=16,
                           leading=20, spaceAfter=4 * mm)
    heading = ParagraphStyle("heading", parent=body, fontName=fonts.BODY_BOLD, fontSize=11.5,
                             leading=14, spaceBefore=5 * mm, spaceAfter=2 * mm)
    story: list[Any] = [
        Paragraph(escape(f"What {shop_name or 'we'} hold{'s' if shop_name else ''} about "
                         f"{data['name']}"), title),
        Paragraph(escape(f"Customer number {data['customer_number']}. Exported "
                         f"{data['exported_at'][:16].replace('T', ' at ')} (UTC, as are the "
                         "times below unless they say otherwise). The same "
                         "records, complete and machine-readable, are in the JSON file that "
                         "comes with this document."), small),
    ]
    if data.get("tags"):
        story += [Paragraph("Tags", heading),
                  Paragraph(escape(", ".join(map(str, data["tags"]))), body)]
    for table, rows in data["tables"].items():
        story.append(Paragraph(escape(f"{SECTIONS.get(table, _label(table))} ({len(rows)})"),
                               heading))
        for row in rows:
            cells = [[Paragraph(escape(_label(key)), small), Paragraph(_text(value), body)]
                     for key, value in row.items()
                     if key not in _SKIPPED and not key.endswith("_id")
                     and value not in (None, "", [], {})]
            if not cells:
                continue
            grid = Table(cells, colWidths=[38 * mm, None])
            grid.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ]))
            story += [KeepTogether(grid) if len(cells) < 25 else grid, Spacer(1, 1.5 * mm)]
    changes = data.get("changes_recorded") or []
    story += [Paragraph(f"Changes recorded ({len(changes)})", heading),
              Paragraph("Each change to these records is kept in the shop's audit trail: "
                        "who made it and when. They are listed in full in the JSON file.",
                        body)]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, title=f"Personal data: {data['name']}",
        author=shop_name or "CRM Desktop", creator="CRM Desktop")
    document.build(story)
    return out.getvalue()
