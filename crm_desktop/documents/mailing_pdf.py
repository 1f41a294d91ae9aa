"""Post without a window envelope: address labels on standard sheets, and envelopes printed
directly (the customer's, or a return envelope addressed to the shop).

Label sheets are measured from the maker's templates (all in points from the sheet's
top-left corner). A partly used sheet is printed from any label on: ``start_at`` 5 leaves the
first four empty. Each address is fitted inside its label with a margin, its type made smaller
(down to 6 pt) rather than ever running over the edge; a line still too long is cut with "…".

Envelopes follow the post's reading zone: the sender's address small at the top left, the
stamp (or the licence text of a reply-paid envelope) at the top right, the recipient's lines
right of the middle and below it. An envelope either goes through the printer as a page of
its own size, or lies on the paper tray of a printer that has no envelope size: then the page
is the tray's sheet, and the envelope is drawn turned a quarter, either in the middle of the
tray or against its left edge, as that printer feeds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from crm_desktop.documents import fonts
from crm_desktop.documents.post_document import (
    Envelope,
    EnvelopeSize,
    LabelSheet,
)
from crm_desktop.paper import (
    ENVELOPE_FEEDS,
    FEED_CENTRE,
    FEED_ENVELOPE,
)

GREY = Color(0.45, 0.45, 0.45)


# ---- fitting text ----------------------------------------------------------------------------

MIN_SIZE = 6.0


def _clip(line: str, font: str, size: float, width: float) -> str:
    if stringWidth(line, font, size) <= width:
        return line
    while line and stringWidth(line + "…", font, size) > width:
        line = line[:-1]
    return line + "…"


def fit_lines(lines: Sequence[str], font: str, width: float, height: float,
              size: float, *, wrap: bool = False) -> tuple[list[str], float]:
    """The lines and the type size at which they fit ``width`` × ``height``: smaller, down to
    6 pt, before a line is cut; lines beyond the height at 6 pt are left out. ``wrap``: a
    long line may go on over the next (free text; never an address, whose lines the post
    reads as they are)."""

    def laid(at: float) -> list[str]:
        if not wrap:
            return list(lines)
        return [part for line in lines for part in simpleSplit(line, font, at, width) or [""]]

    current = laid(size)
    while size > MIN_SIZE and (
            len(current) * size * 1.2 > height
            or any(stringWidth(line, font, size) > width for line in current)):
        size = max(MIN_SIZE, size - 0.5)
        current = laid(size)
    most = max(1, int(height // (size * 1.2)))
    return [_clip(line, font, size, width) for line in current[:most]], size


def _draw_block(canvas: Canvas, lines: Sequence[str], x: float, top: float, *, size: float,
                page_height: float) -> None:
    leading = size * 1.2
    for number, line in enumerate(lines):
        canvas.setFont(fonts.BODY, size)
        canvas.drawString(x, page_height - top - size - number * leading, line)


def _address_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# ---- labels ----------------------------------------------------------------------------------

LABEL_PADDING = 4 * mm


def render_labels(addresses: Sequence[str], sheet: LabelSheet, *, start_at: int = 1,
                  title: str = "Address labels") -> bytes:
    """One label per address, from label ``start_at`` (1-based) of the first sheet on."""
    if not 1 <= start_at <= sheet.per_sheet:
        raise ValueError(f"start_at must be 1 to {sheet.per_sheet}")
    fonts.register()
    out = BytesIO()
    canvas = Canvas(out, pagesize=sheet.page, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("CRM Desktop")
    page_height = sheet.page[1]
    slot = start_at - 1
    for text in addresses:
        if slot == sheet.per_sheet:
            canvas.showPage()
            slot = 0
        x, top, width, height = sheet.label_box(slot)
        inner_w, inner_h = width - 2 * LABEL_PADDING, height - 2 * LABEL_PADDING
        lines, size = fit_lines(_address_lines(text), fonts.BODY, inner_w, inner_h, 10)
        block_h = len(lines) * size * 1.2
        # Centred from top to bottom, from the left: how a label is read and stuck on.
        _draw_block(canvas, lines, x + LABEL_PADDING,
                    top + LABEL_PADDING + (inner_h - block_h) / 2, size=size,
                    page_height=page_height)
        slot += 1
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# ---- envelopes -------------------------------------------------------------------------------

STAMP = (20 * mm, 24 * mm)  # the box marked for a stamp, top right
POSTAGE = (40 * mm, 24 * mm)  # the same place, holding a reply-paid licence text


ENVELOPE_MARGIN = 8 * mm


def stamp_box(envelope: Envelope) -> tuple[float, float]:
    """The size of the stamp's place, at the top right: wider for a licence text."""
    return POSTAGE if envelope.postage.strip() else STAMP


def recipient_box(size: EnvelopeSize) -> tuple[float, float, float, float]:
    """Where the recipient's lines go, from the envelope's top-left: x, top, width, height
    (right of the middle and in the lower half: the post's reading zone)."""
    left, top = size.width * 0.45, size.height * 0.45
    return (left, top, size.width - left - ENVELOPE_MARGIN,
            size.height - top - ENVELOPE_MARGIN)


def _draw_envelope(canvas: Canvas, envelope: Envelope, size: EnvelopeSize) -> None:
    """Draw on the envelope's own coordinates (origin bottom left, long side across)."""
    w, h = size.width, size.height
    margin = ENVELOPE_MARGIN
    if envelope.sender:
        lines, font_size = fit_lines(_address_lines(envelope.sender), fonts.BODY,
                                     w * 0.42, h * 0.3, 8)
        canvas.setFillColor(black)
        _draw_block(canvas, lines, margin, margin, size=font_size, page_height=h)
    # The stamp's place: a dashed box with what goes there.
    box_w, box_h = stamp_box(envelope)
    stamp_x, stamp_top = w - margin - box_w, margin
    canvas.setStrokeColor(GREY)
    canvas.setFillColor(GREY)
    canvas.setDash(2, 2)
    canvas.setLineWidth(0.5)
    canvas.rect(stamp_x, h - stamp_top - box_h, box_w, box_h)
    canvas.setDash()
    words = _address_lines(envelope.postage) or ["Stamp"]
    lines, font_size = fit_lines(words, fonts.BODY, box_w - 3 * mm, box_h - 3 * mm, 7,
                                 wrap=True)
    block_h = len(lines) * font_size * 1.2
    for number, line in enumerate(lines):
        canvas.setFont(fonts.BODY, font_size)
        canvas.drawCentredString(stamp_x + box_w / 2,
                                 h - stamp_top - (box_h - block_h) / 2 - font_size
                                 - number * font_size * 1.2, line)
    canvas.setFillColor(black)
    left, top, width, height = recipient_box(size)
    lines, font_size = fit_lines(_address_lines(envelope.recipient), fonts.BODY, width,
                                 height, 11)
    _draw_block(canvas, lines, left, top, size=font_size, page_height=h)


def render_envelopes(envelopes: Sequence[Envelope], size: EnvelopeSize, *,
                     feed: str = FEED_ENVELOPE, title: str = "Envelopes") -> bytes:
    """One page per envelope, for ``feed`` (see ``paper.ENVELOPE_FEEDS``)."""
    if feed not in ENVELOPE_FEEDS:
        raise ValueError(f"unknown feed {feed!r}")
    fonts.register()
    out = BytesIO()
    page = (size.width, size.height) if feed == FEED_ENVELOPE else size.tray
    canvas = Canvas(out, pagesize=page, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("CRM Desktop")
    for envelope in envelopes:
        canvas.saveState()
        if feed != FEED_ENVELOPE:
            # Short side first: the envelope stands upright on the sheet, its top edge
            # (with the sender) along the sheet's left, read turned a quarter.
            x = (page[0] - size.height) / 2 if feed == FEED_CENTRE else 0
            canvas.translate(x + size.height, page[1] - size.width)
            canvas.rotate(90)
        _draw_envelope(canvas, envelope, size)
        canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return out.getvalue()
