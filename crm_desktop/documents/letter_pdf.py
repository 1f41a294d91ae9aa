"""Letters and cards from the shop: the personal part in the handwriting of the invoices'
thank-you note, the rest typeset.

A letter is laid out for the shop's window envelope, as its invoices are (``envelopes``): the
letterhead, the small return line and the recipient's address where the window is, the date,
the typeset text and then the handwritten note, with fold marks. A card is an A6 page (an A4
or Letter sheet cut in four, or card stock of that size) carrying the handwritten note alone,
with the shop's name small at its foot; it goes in an envelope addressed by ``mailing_pdf``.
Many customers make one PDF: a letter or a card each, each starting on a page of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A5, A6, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from crm_desktop.documents import fonts
from crm_desktop.documents.envelopes import Layout, layout
from crm_desktop.documents.handwriting import HandwrittenNote
from crm_desktop.documents.letterhead import (
    GREY,
    draw_fold_marks,
    draw_letterhead,
    draw_window_address,
)
from crm_desktop.documents.post_document import (
    CARD,
    FOLDED,
    LetterDocument,
)

BODY_STYLE = ParagraphStyle("letter", fontName=fonts.BODY, fontSize=10.5, leading=15,
                            spaceAfter=4 * mm)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraphs(body: str) -> list[Paragraph]:
    parts = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(_escape(p).replace("\n", "<br/>"), BODY_STYLE) for p in parts if p]


class _Letters(BaseDocTemplate):
    def __init__(self, out: BytesIO, letters: Sequence[LetterDocument], title: str) -> None:
        first = letters[0]
        self.letters = list(letters)
        self.index = -1  # the letter whose first page is being drawn
        self.geometry: Layout = layout(first.envelope)
        g = self.geometry
        width, height = g.page
        super().__init__(out, pagesize=g.page, leftMargin=g.left, rightMargin=g.right,
                         topMargin=20 * mm, bottomMargin=18 * mm, title=title,
                         author=first.shop_name, creator="CRM Desktop", invariant=True,
                         initialFontName=fonts.BODY, initialFontSize=10)
        frame_width = width - g.left - g.right
        opening = Frame(g.left, 18 * mm, frame_width, height - g.body_top - 18 * mm,
                        id="opening", leftPadding=0, rightPadding=0, topPadding=0,
                        bottomPadding=0)
        going_on = Frame(g.left, 18 * mm, frame_width, height - 38 * mm, id="going_on",
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("opening", [opening], onPage=self._opening_page),
            PageTemplate("going_on", [going_on]),
        ])

    def _opening_page(self, c: Canvas, _doc: Any) -> None:
        self.index += 1
        letter, g = self.letters[self.index], self.geometry
        width, height = g.page
        c.saveState()
        draw_letterhead(c, g, letter.shop_name,
                        [*letter.shop_address.splitlines(), letter.shop_contact],
                        letter.shop_address)
        draw_window_address(c, g, letter.recipient)
        c.setFont(fonts.BODY, 10)
        c.drawRightString(width - g.right, height - g.info.top - 4 * mm, letter.date)
        draw_fold_marks(c, g)
        c.restoreState()


def _render_letters(letters: Sequence[LetterDocument], title: str) -> bytes:
    out = BytesIO()
    doc = _Letters(out, letters, title)
    story: list[Any] = []
    for number, letter in enumerate(letters):
        if number:
            story += [NextPageTemplate("opening"), PageBreak()]
        story.append(NextPageTemplate("going_on"))
        story += _paragraphs(letter.body)
        if letter.note.strip():
            story += [Spacer(1, 2 * mm), HandwrittenNote(letter.note, letter.seed, size=17)]
    doc.build(story)
    return out.getvalue()


def _render_cards(cards: Sequence[LetterDocument], title: str, *, folded: bool) -> bytes:
    out = BytesIO()
    page = landscape(A5) if folded else A6
    canvas = Canvas(out, pagesize=page, pageCompression=1, invariant=True)
    canvas.setTitle(title)
    canvas.setCreator("CRM Desktop")
    width, height = page
    left = width / 2 if folded else 0.0  # a folded card is written inside, on the right
    panel = width - left
    margin = 9 * mm
    for card in cards:
        note = HandwrittenNote(card.note or card.body, card.seed, size=19)
        _w, note_height = note.wrap(panel - 2 * margin, height)
        top = max(margin, (height - note_height) / 2 - 6 * mm)
        note.drawOn(canvas, left + margin, height - top - note_height)
        canvas.setFont(fonts.BODY, 7)
        canvas.setFillColor(GREY)
        canvas.drawCentredString(left + panel / 2, margin, card.shop_name)
        if folded:  # where to fold: short marks at the top and the foot of the middle
            canvas.setStrokeColor(GREY)
            canvas.setLineWidth(0.4)
            canvas.line(left, height, left, height - 5 * mm)
            canvas.line(left, 0, left, 5 * mm)
        canvas.setFillColor(Color(0, 0, 0))
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_letters(letters: Sequence[LetterDocument], *, title: str = "Letters") -> bytes:
    """All ``letters`` (of one kind) as one PDF, each starting on a page of its own."""
    if not letters:
        raise ValueError("no letters to render")
    fonts.register()
    if letters[0].kind in (CARD, FOLDED):
        return _render_cards(letters, title, folded=letters[0].kind == FOLDED)
    return _render_letters(letters, title)
