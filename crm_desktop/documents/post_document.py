"""What post is made of, for the services to fill and the documents to draw: the kinds of
letter, a letter's words, label sheets, envelope sizes and one envelope. Plain data (only
ReportLab's units and paper sizes, which are light): the app starts without importing the
PDF code, which comes when something is first printed."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import LETTER as LETTER_PAPER
from reportlab.lib.units import inch, mm

from crm_desktop.paper import LABEL_SHEETS, PRINTED_ENVELOPES

LETTER, CARD, FOLDED = "letter", "card", "folded"


@dataclass(frozen=True)
class LetterDocument:
    """One letter or card, every word already filled in."""

    kind: str  # LETTER, CARD or FOLDED
    shop_name: str
    shop_address: str
    recipient: str  # the postal lines (a letter's window)
    date: str  # as the shop writes dates
    body: str  # typeset, paragraphs separated by blank lines
    note: str  # in handwriting
    seed: str  # the handwriting's variation: the same letter reprints the same
    envelope: str = "din5008b"  # a letter's window envelope (``paper``)
    shop_contact: str = ""  # phone · e-mail, under the letterhead


@dataclass(frozen=True)
class LabelSheet:
    name: str
    title: str
    page: tuple[float, float]
    columns: int
    rows: int
    width: float  # one label
    height: float
    left: float  # the first label's top-left corner
    top: float
    across: float  # from one label's left edge to the next one's
    down: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def label_box(self, index: int) -> tuple[float, float, float, float]:
        """The ``index``-th label of a sheet (0-based, row by row): x, top, width, height."""
        row, column = divmod(index, self.columns)
        return (self.left + column * self.across, self.top + row * self.down,
                self.width, self.height)


SHEETS: dict[str, LabelSheet] = {sheet.name: sheet for sheet in (
    LabelSheet("L7160", LABEL_SHEETS["L7160"], A4, 3, 7,
               63.5 * mm, 38.1 * mm, 7.2 * mm, 15.15 * mm, 66.0 * mm, 38.1 * mm),
    LabelSheet("L7163", LABEL_SHEETS["L7163"], A4, 2, 7,
               99.1 * mm, 38.1 * mm, 4.65 * mm, 15.15 * mm, 101.6 * mm, 38.1 * mm),
    LabelSheet("5160", LABEL_SHEETS["5160"], LETTER_PAPER, 3, 10,
               2.625 * inch, 1 * inch, 0.1875 * inch, 0.5 * inch, 2.75 * inch, 1 * inch),
    LabelSheet("5163", LABEL_SHEETS["5163"], LETTER_PAPER, 2, 5,
               4 * inch, 2 * inch, 0.15625 * inch, 0.5 * inch, 4.1875 * inch, 2 * inch),
)}


@dataclass(frozen=True)
class EnvelopeSize:
    name: str
    title: str
    width: float  # lying flat, flap at the top: width is the long side
    height: float
    tray: tuple[float, float]  # the sheet of a tray it is fed on, where it has no size


ENVELOPE_SIZES: dict[str, EnvelopeSize] = {size.name: size for size in (
    EnvelopeSize("DL", PRINTED_ENVELOPES["DL"], 220 * mm, 110 * mm, A4),
    EnvelopeSize("C5", PRINTED_ENVELOPES["C5"], 229 * mm, 162 * mm, A4),
    EnvelopeSize("C6", PRINTED_ENVELOPES["C6"], 162 * mm, 114 * mm, A4),
    EnvelopeSize("US10", PRINTED_ENVELOPES["US10"], 9.5 * inch, 4.125 * inch, LETTER_PAPER),
)}

@dataclass(frozen=True)
class Envelope:
    """One envelope: to whom, from whom, and what goes where the stamp would."""

    recipient: str  # its lines, as the post wants them
    sender: str = ""  # the return address, small at the top left ("" for none)
    postage: str = ""  # a reply-paid licence text in the stamp's place; "" marks a stamp's
