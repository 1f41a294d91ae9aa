"""The invoice (or credit note) as a PDF for a window envelope.

Page one carries the letterhead, the recipient's address exactly where the envelope's window
is (see ``envelopes``), fold and hole marks, and the invoice's particulars beside the window.
The lines table runs over as many pages as it needs, its header repeated and each break
marked "continued"; the totals with the tax per rate, the payment instructions and the
thank-you note are kept together and never run into the footer. The last page ends with a
tear-off remittance slip. Every font is embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from crm_desktop.documents import fonts
from crm_desktop.documents.envelopes import Layout, layout
from crm_desktop.documents.handwriting import HandwrittenNote
from crm_desktop.documents.invoice_document import InvoiceDocument
from crm_desktop.documents.letterhead import (
    GREY,
    LIGHT,
    RULE,
    SHADE,
    draw_fold_marks,
    draw_letterhead,
    draw_window_address,
)

FOOTER_HEIGHT = 20 * mm
SLIP_HEIGHT = 62 * mm
PAGE_NUMBER_Y = 8 * mm


_WORD = re.compile(r"\S+\s*|\s+")


class _Sentence(Flowable):
    """A few words of body text, some of them bold, wrapped to the frame and drawn straight
    on the canvas. (A platypus Paragraph parses markup and measures its words again at each
    of its wraps: a fifth of an invoice's own time, for a heading and one sentence.)"""

    def __init__(self, parts: list[tuple[str, bool]], size: float = 9, leading: float = 11.5,
                 *, space_after: float = 0) -> None:
        """``parts``: (text, bold) in reading order."""
        super().__init__()
        self.size, self.leading, self.spaceAfter = size, leading, space_after
        # (word with its trailing space, font, width inked, width with the space)
        self.words: list[tuple[str, str, float, float]] = []
        for text, bold in parts:
            font = fonts.BODY_BOLD if bold else fonts.BODY
            self.words += [(word, font, stringWidth(word.rstrip(), font, size),
                            stringWidth(word, font, size)) for word in _WORD.findall(text)]
        self.lines: list[list[tuple[str, str]]] = []
        self._wrapped_to = -1.0

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        if available_width != self._wrapped_to:
            self._wrapped_to = available_width
            self.lines = []
            line: list[tuple[str, str]] = []
            x = 0.0
            for word, font, inked, advance in self.words:
                if line and x + inked > available_width:  # a word too long stays alone
                    self.lines.append(line)
                    line, x = [], 0.0
                if line and line[-1][1] == font:
                    line[-1] = (line[-1][0] + word, font)
                else:
                    line.append((word, font))
                x += advance
            self.lines.append(line)
        self.width = available_width
        self.height = len(self.lines) * self.leading
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        baseline = self.height - self.size
        for line in self.lines:
            x = 0.0
            for text, font in line:
                c.setFont(font, self.size)
                c.drawString(x, baseline, text)
                x += stringWidth(text, font, self.size)
            baseline -= self.leading


class _Formats:
    def __init__(self, doc: InvoiceDocument) -> None:
        self._currency = doc.currency
        self._locale = Locale.parse(doc.locale)  # parsed once, not on every amount
        # Prices, quantities and rates repeat down an invoice: each is formatted once.
        self._money: dict[Decimal, str] = {}
        self._numbers: dict[Decimal, str] = {}

    def money(self, amount: Decimal) -> str:
        text = self._money.get(amount)
        if text is None:
            text = self._money[amount] = format_currency(amount, self._currency,
                                                         locale=self._locale)
        return text

    def number(self, value: Decimal) -> str:
        text = self._numbers.get(value)
        if text is None:
            text = self._numbers[value] = format_decimal(value.normalize(), locale=self._locale)
        return text

    def date(self, value: date | None) -> str:
        return format_date(value, "long", locale=self._locale) if value else "—"


# ---- page furniture --------------------------------------------------------------------------


class _Marker(Flowable):
    """Zero-size: tells the page callbacks whether the lines table is still running."""

    def __init__(self, inside: bool) -> None:
        super().__init__()
        self.inside = inside
        self.width = self.height = 0

    def wrap(self, *_args: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._crm_in_lines = self.inside


class _RemittanceSlip(Flowable):
    """Fills the rest of the last page and draws the tear-off slip at its bottom, over the
    space the footer would use (the slip carries the same details)."""

    def __init__(self, doc: InvoiceDocument, formats: _Formats, layout_: Layout) -> None:
        super().__init__()
        self.doc, self.f, self.layout = doc, formats, layout_

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        # Needs its height above the footer band; if the page has less, it moves on.
        self.height = max(available_height, SLIP_HEIGHT - FOOTER_HEIGHT + 2 * mm)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c._crm_slip = True
        page_width = self.layout.page[0]
        left = -self.layout.left  # the frame's origin is at the left margin
        bottom = -(FOOTER_HEIGHT - PAGE_NUMBER_Y - 4 * mm)
        top = bottom + SLIP_HEIGHT - 12 * mm
        c.saveState()
        c.setStrokeColor(GREY)
        c.setDash(3, 2)
        c.setLineWidth(0.5)
        c.line(left + 8 * mm, top, left + page_width - 8 * mm, top)
        c.setDash()
        c.setFont(fonts.BODY, 10)
        c.setFillColor(GREY)
        c.drawString(left + 10 * mm, top - 1.3 * mm, "✂")
        c.setFont(fonts.BODY, 7)
        c.drawRightString(self.width, top + 1.5 * mm,
                          "Please detach this slip and return it with your payment")
        c.setFillColor(black)
        y = top - 7 * mm
        c.setFont(fonts.BODY_BOLD, 10)
        c.drawString(0, y, "Remittance slip")
        rows = [("Customer no.", self.doc.customer_number),
                ("Invoice no.", self.doc.number or "(draft)"),
                ("Amount due", self.f.money(self.doc.amount_due)),
                ("Due by", self.f.date(self.doc.due_on))]
        y -= 6 * mm
        for label, value in rows:
            c.setFont(fonts.BODY, 8.5)
            c.drawString(0, y, label)
            c.setFont(fonts.BODY_BOLD, 8.5)
            c.drawString(28 * mm, y, value)
            y -= 4.6 * mm
        c.setFont(fonts.BODY, 8.5)
        c.drawString(0, y - 1 * mm, "Amount enclosed:")
        c.rect(28 * mm, y - 2.5 * mm, 40 * mm, 6 * mm)
        # Where to send it: laid out to show in the window of the customer's return envelope.
        x = self.width * 0.52
        y = top - 7 * mm
        c.setFont(fonts.BODY_BOLD, 8.5)
        c.drawString(x, y, "Send to")
        c.setFont(fonts.BODY, 8.5)
        for line in [self.doc.shop_name, *self.doc.shop_address.splitlines()]:
            y -= 4.2 * mm
            c.drawString(x, y, line)
        if self.doc.bank_details:
            y -= 6 * mm
            c.setFont(fonts.BODY_BOLD, 8.5)
            c.drawString(x, y, "Or pay by bank transfer")
            c.setFont(fonts.BODY, 8.5)
            for line in self.doc.bank_details.splitlines():
                y -= 4.2 * mm
                c.drawString(x, y, line)
        c.restoreState()


class _NumberedCanvas(Canvas):
    """Writes "Page n of m" once the number of pages is known (kept pages are drawn at
    save; ReportLab's documented two-step recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self.setFont(fonts.BODY, 7.5)
            self.setFillColor(GREY)
            self.drawRightString(self._pagesize[0] - 15 * mm, PAGE_NUMBER_Y,
                                 f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


# ---- the document ----------------------------------------------------------------------------


class _InvoiceTemplate(BaseDocTemplate):
    def __init__(self, out: BytesIO, doc: InvoiceDocument) -> None:
        self.invoice = doc
        self.geometry = layout(doc.envelope)
        self.f = _Formats(doc)
        g = self.geometry
        width, height = g.page
        super().__init__(out, pagesize=g.page, leftMargin=g.left, rightMargin=g.right,
                         topMargin=20 * mm, bottomMargin=FOOTER_HEIGHT,
                         title=doc.reference, author=doc.shop_name,
                         subject=f"{doc.reference} for {doc.recipient.splitlines()[0]}",
                         creator="CRM Desktop", invariant=True,
                         # Else the canvas starts in Helvetica: listed, but not embedded.
                         initialFontName=fonts.BODY, initialFontSize=9)
        frame_width = width - g.left - g.right
        first = Frame(g.left, FOOTER_HEIGHT, frame_width, height - g.body_top - FOOTER_HEIGHT,
                      id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        later_top = 24 * mm
        later = Frame(g.left, FOOTER_HEIGHT, frame_width, height - later_top - FOOTER_HEIGHT,
                      id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("first", [first], onPage=self._first_page, onPageEnd=self._page_end),
            PageTemplate("later", [later], onPage=self._later_page, onPageEnd=self._page_end),
            PageTemplate("card", [later], onPage=self._card_page, onPageEnd=self._page_end),
        ])

    # Page callbacks: canvas drawing in points from the bottom-left corner.

    def _top(self, from_top: float) -> float:
        return self.geometry.page[1] - from_top

    def _first_page(self, c: Canvas, _doc: Any) -> None:
        doc, g, f = self.invoice, self.geometry, self.f
        width, _height = g.page
        c.saveState()
        c._crm_slip = False
        # Letterhead: logo at the right, the shop's name and address at the left.
        if doc.logo:
            image = ImageReader(BytesIO(doc.logo))
            w, h = image.getSize()
            draw_h = min(20 * mm, 60 * mm * h / w)
            c.drawImage(image, width - g.right - draw_h * w / h, self._top(12 * mm + draw_h),
                        draw_h * w / h, draw_h, mask="auto")
        draw_letterhead(c, g, doc.shop_name,
                        [*doc.shop_address.splitlines(), doc.shop_phone, doc.shop_email],
                        doc.shop_address)
        draw_window_address(c, g, doc.recipient)
        # Particulars beside the window.
        rows = [(f"{doc.title} no.", doc.number or "Draft — not yet issued"),
                ("Date", f.date(doc.issued_on)),
                ("Customer no.", doc.customer_number)]
        if not doc.credit_note:
            rows.append(("Payment due", f.date(doc.due_on)))
        if doc.credited_number:
            rows.append(("Corrects invoice", doc.credited_number))
        if doc.tax_id:
            rows.append(("Tax ID", doc.tax_id))
        y = self._top(g.info.top + 4 * mm)
        for label, value in rows:
            c.setFont(fonts.BODY, 8.5)
            c.setFillColor(GREY)
            c.drawString(g.info.x, y, label)
            c.setFillColor(black)
            c.setFont(fonts.BODY_BOLD if label.endswith("no.") else fonts.BODY, 8.5)
            c.drawString(g.info.x + 30 * mm, y, value)
            y -= 4.6 * mm
        draw_fold_marks(c, g)
        c.restoreState()
        self._watermark(c)

    def _later_page(self, c: Canvas, _doc: Any) -> None:
        doc, g = self.invoice, self.geometry
        c.saveState()
        c._crm_slip = False
        c.setFont(fonts.BODY_BOLD, 9)
        c.drawString(g.left, self._top(14 * mm), doc.shop_name)
        c.setFont(fonts.BODY, 8.5)
        c.drawRightString(g.page[0] - g.right, self._top(14 * mm),
                          f"{doc.reference} · {doc.recipient.splitlines()[0]}")
        if getattr(c, "_crm_in_lines", False):
            c.setFillColor(GREY)
            c.setFont(fonts.BODY, 7.5)
            c.drawString(g.left, self._top(19 * mm),
                         f"… continued from page {c.getPageNumber() - 1}")
        c.restoreState()
        self._watermark(c)

    def _card_page(self, c: Canvas, _doc: Any) -> None:
        c._crm_slip = True  # a card page has no footer

    def _watermark(self, c: Canvas) -> None:
        word = "VOID" if self.invoice.void else ("DRAFT" if not self.invoice.number else "")
        if not word:
            return
        c.saveState()
        c.setFillColor(Color(0.85, 0.2, 0.2, alpha=0.12))
        c.setFont(fonts.BODY_BOLD, 110)
        c.translate(self.geometry.page[0] / 2, self.geometry.page[1] / 2)
        c.rotate(35)
        c.drawCentredString(0, -40, word)
        c.restoreState()

    def _page_end(self, c: Canvas, _doc: Any) -> None:
        doc, g = self.invoice, self.geometry
        c.saveState()
        if getattr(c, "_crm_in_lines", False):
            c.setFont(fonts.BODY, 7.5)
            c.setFillColor(GREY)
            c.drawRightString(g.page[0] - g.right, FOOTER_HEIGHT - 4 * mm,
                              f"continued on page {c.getPageNumber() + 1} …")
        if not getattr(c, "_crm_slip", False):
            c.setStrokeColor(RULE)
            c.setLineWidth(0.4)
            c.line(g.left, FOOTER_HEIGHT - 7 * mm, g.page[0] - g.right, FOOTER_HEIGHT - 7 * mm)
            c.setFont(fonts.BODY, 7)
            c.setFillColor(GREY)
            parts = [doc.shop_name, *doc.shop_address.splitlines()]
            c.drawString(g.left, FOOTER_HEIGHT - 10.5 * mm, " · ".join(parts))
            bank = " · ".join(doc.bank_details.splitlines())
            extra = " · ".join(p for p in (bank, f"Tax ID {doc.tax_id}" if doc.tax_id else "")
                               if p)
            c.drawString(g.left, FOOTER_HEIGHT - 14 * mm, extra)
        c.restoreState()


@dataclass(frozen=True)
class _Column:
    title: str
    width: float  # 0: whatever is left
    right: bool


class _LinesTable(Flowable):
    """The invoice's lines, drawn straight on the canvas: a bold header on every page it
    reaches, descriptions wrapped to their column, alternate rows shaded.

    It splits itself at a page break into the rows that fit and the rest, each with the
    header; finding the break is one walk over precomputed row heights, so a long invoice
    costs O(rows), not the O(rows²) of re-measuring a platypus Table at every page.
    """

    SIZE = 8.5
    LEADING = 10.5
    PAD = 2.2

    def __init__(self, columns: list[_Column], rows: list[list[str]],
                 wrapped: list[list[str]], heights: list[float], first: int = 1) -> None:
        super().__init__()
        self.columns, self.rows, self.wrapped, self.heights = columns, rows, wrapped, heights
        self.first = first  # the number shown on the first row
        self.header_height = self.LEADING + 2 * self.PAD
        self.width = sum(c.width for c in columns)
        self.height = self.header_height + sum(heights)

    @classmethod
    def build(cls, doc: InvoiceDocument, f: _Formats, width: float) -> _LinesTable:
        has_discount = any(line.discount_percent for line in doc.lines)
        columns = [_Column("#", 8 * mm, True), _Column("Description", 0, False),
                   _Column("Qty", 14 * mm, True), _Column("Unit price", 24 * mm, True)]
        if has_discount:
            columns.append(_Column("Disc.", 13 * mm, True))
        per_line = any(line.tax is not None for line in doc.lines)
        columns.append(_Column("Tax", 12 * mm, True))
        if per_line:
            columns.append(_Column("Tax amt.", 20 * mm, True))
        columns.append(_Column("Amount", 26 * mm, True))
        rest = width - sum(c.width for c in columns)
        columns = [c if c.width else _Column(c.title, rest, c.right) for c in columns]
        text_width = rest - 2 * cls.PAD
        rows, wrapped, heights = [], [], []
        for index, line in enumerate(doc.lines, start=1):
            row = [str(index), "", f.number(line.quantity), f.money(line.unit_price)]
            if has_discount:
                row.append(f"{f.number(line.discount_percent)} %"
                           if line.discount_percent else "")
            row.append(f"{f.number(line.tax_rate)} %")
            if per_line:
                row.append(f.money(line.tax) if line.tax is not None else "")
            row.append(f.money(line.net))
            lines = simpleSplit(line.description, fonts.BODY, cls.SIZE, text_width) or [""]
            rows.append(row)
            wrapped.append(lines)
            heights.append(len(lines) * cls.LEADING + 2 * cls.PAD)
        return cls(columns, rows, wrapped, heights)

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, _available_width: float, available_height: float) -> list[Flowable]:
        room = available_height - self.header_height
        fitting, used = 0, 0.0
        for height in self.heights:
            if used + height > room:
                break
            used += height
            fitting += 1
        if fitting == 0 or fitting == len(self.rows):
            return []  # nothing fits here (next page), or no split needed
        part = slice(0, fitting)
        rest = slice(fitting, None)
        return [
            _LinesTable(self.columns, self.rows[part], self.wrapped[part], self.heights[part],
                        self.first),
            _LinesTable(self.columns, self.rows[rest], self.wrapped[rest], self.heights[rest],
                        self.first + fitting),
        ]

    def draw(self) -> None:
        c = self.canv
        y = self.height
        c.setFont(fonts.BODY_BOLD, self.SIZE)
        self._cells(y - self.PAD - self.SIZE, [col.title for col in self.columns])
        y -= self.header_height
        c.setLineWidth(0.8)
        c.line(0, y, self.width, y)
        c.setFont(fonts.BODY, self.SIZE)
        for index, (row, lines, height) in enumerate(zip(self.rows, self.wrapped, self.heights,
                                                         strict=True)):
            if index % 2:
                c.setFillColor(SHADE)
                c.rect(0, y - height, self.width, height, stroke=0, fill=1)
                c.setFillColor(black)
            baseline = y - self.PAD - self.SIZE
            self._cells(baseline, row)
            x = self.columns[0].width + self.PAD
            for number, text in enumerate(lines):
                c.drawString(x, baseline - number * self.LEADING, text)
            y -= height

    def _cells(self, baseline: float, values: list[str]) -> None:
        x = 0.0
        for column, value in zip(self.columns, values, strict=True):
            if value:
                if column.right:
                    self.canv.drawRightString(x + column.width - self.PAD, baseline, value)
                else:
                    self.canv.drawString(x + self.PAD, baseline, value)
            x += column.width


def _totals(doc: InvoiceDocument, f: _Formats, width: float) -> Table:
    rows: list[tuple[str, str]] = [("Net", f.money(doc.net_total))]
    per_line = any(line.tax is not None for line in doc.lines)
    for rate, net, tax in doc.tax_by_rate:
        how = " (sum of the lines' tax)" if per_line else ""
        rows.append((f"Tax {f.number(rate)} % on {f.money(net)}{how}", f.money(tax)))
    label = "Total credited" if doc.credit_note else "Total"
    rows.append((label, f.money(doc.gross_total)))
    if not doc.credit_note:
        if doc.credited_total:
            rows.append(("Credited", f.money(-doc.credited_total)))
        if doc.paid_total:
            rows.append(("Paid", f.money(-doc.paid_total)))
        rows.append(("Amount due", f.money(doc.amount_due)))
    table = Table([list(row) for row in rows], colWidths=[width - 32 * mm, 32 * mm])
    emphasis = len(rows) - 1
    total_row = next(i for i, (a, _b) in enumerate(rows) if a == label)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.BODY, 8.5),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LINEABOVE", (0, total_row), (-1, total_row), 0.6, black),
        ("FONT", (0, emphasis), (-1, emphasis), fonts.BODY_BOLD, 10),
        ("BACKGROUND", (0, emphasis), (-1, emphasis), LIGHT),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
    ]))
    return table


def _instructions(doc: InvoiceDocument, f: _Formats) -> _Sentence:
    if doc.credit_note:
        return _Sentence([(f"This credit note corrects invoice {doc.credited_number}"
                           + (f": {doc.credit_reason}." if doc.credit_reason else "."), False)])
    if doc.void:
        return _Sentence([("This invoice is void; nothing is due.", False)])
    if doc.amount_due <= 0:
        return _Sentence([("Paid in full — thank you.", False)])
    bank = ", ".join(doc.bank_details.splitlines())
    return _Sentence([("Please pay ", False), (f.money(doc.amount_due), True), (" by ", False),
                      (f.date(doc.due_on), True),
                      ((f" to {bank}" if bank else "") + ", quoting ", False),
                      (doc.number or "the invoice number", True), (".", False)])


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The PDF's bytes. Deterministic: the same document gives the same file."""
    fonts.register()
    out = BytesIO()
    template = _InvoiceTemplate(out, doc)
    f = template.f
    width = template.width
    heading = doc.title if doc.number else f"{doc.title} (draft)"
    story: list[Flowable] = [NextPageTemplate("later"),
                             _Sentence([(heading, True)], 15, 19, space_after=3 * mm)]
    story += [_Marker(True), _LinesTable.build(doc, f, width), _Marker(False),
              Spacer(0, 3 * mm)]
    closing: list[Flowable] = [_totals(doc, f, width), Spacer(0, 3 * mm),
                               _instructions(doc, f)]
    story.append(KeepTogether(closing))
    note = None
    if doc.note.strip():
        note = HandwrittenNote(doc.note, doc.seed, signature=doc.signature)
    if note is not None and not doc.note_on_card:
        story += [Spacer(0, 5 * mm), KeepTogether([note])]
    if not doc.credit_note and not doc.void:
        story.append(_RemittanceSlip(doc, f, template.geometry))
    if note is not None and doc.note_on_card:
        story += [NextPageTemplate("card"), PageBreak(),
                  HandwrittenNote(doc.note, doc.seed, size=19, signature=doc.signature,
                                  padding=16)]
    template.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()
