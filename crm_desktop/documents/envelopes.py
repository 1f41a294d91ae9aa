"""Where the address goes so it shows through the envelope's window, and where to fold.

All measures are from the sheet's top-left corner, in points (1/72 inch).

DIN 5008 (A4, 210 × 297 mm): the address field is 85 × 45 mm, 20 mm from the left edge; its
top is 45 mm from the top (form B) or 27 mm (form A). The first part of the field holds the
small return-address line and notes (17.7 mm in form B, 12.7 mm in form A); the recipient's
lines follow. Fold marks sit at 105/210 mm (B) or 87/192 mm (A), the hole mark at 148.5 mm.

US #10 (Letter, 8½ × 11 in, folded in three): the envelope is 9½ × 4⅛ in with a 4½ × 1⅛ in
window ⅞ in from its left edge and ½ in from its bottom. The folded sheet (its top panel
11/3 in tall) can slide 1 in across and 0.46 in up and down inside the envelope, so only the
part of the sheet that is behind the window in *every* position is safe: 0.875–4.375 in from
the left and 2.5–3.167 in from the top. The address is fitted inside that box, with a small
margin.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm

from crm_desktop.paper import DIN_5008_A, DIN_5008_B, US_10


@dataclass(frozen=True)
class Box:
    x: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    window: Box  # the envelope window's box on the sheet (what the standard specifies)
    return_line: Box | None  # the sender's one-line address, at the top of the window
    address: Box  # where the recipient's lines go (inside the window)
    folds: tuple[float, ...]
    hole: float | None
    info: Box  # invoice number, dates, customer number: right of the window
    body_top: float  # where the text of the first page starts
    left: float
    right: float


def _din(top: float, notes: float, folds: tuple[float, float], info_top: float,
         body_top: float) -> Layout:
    window = Box(20 * mm, top, 85 * mm, 45 * mm)
    inset = 5 * mm  # text keeps clear of the window's edges
    return Layout(
        page=A4, window=window,
        return_line=Box(window.x + inset, top + 1 * mm, window.width - 2 * inset, 5 * mm),
        address=Box(window.x + inset, top + notes, window.width - 2 * inset,
                    window.height - notes - 1 * mm),
        folds=tuple(f * mm for f in folds), hole=148.5 * mm,
        info=Box(125 * mm, info_top * mm, 75 * mm, 40 * mm),
        body_top=body_top * mm, left=25 * mm, right=20 * mm)


def _us10() -> Layout:
    sheet_height = 11 * inch
    panel = sheet_height / 3
    envelope = (9.5 * inch, 4.125 * inch)
    window_left, window_bottom = 0.875 * inch, 0.5 * inch
    window_size = (4.5 * inch, 1.125 * inch)
    slide_x = envelope[0] - 8.5 * inch
    slide_y = envelope[1] - panel
    window_top = envelope[1] - window_bottom - window_size[1]
    # The part of the sheet behind the window however the sheet sits in the envelope.
    safe = Box(window_left, window_top, window_size[0] - slide_x, window_size[1] - slide_y)
    margin = 0.0625 * inch
    return Layout(
        page=LETTER,
        window=Box(window_left, window_top - slide_y, window_size[0], window_size[1]),
        return_line=None,
        address=Box(safe.x + margin, safe.top + margin / 2, safe.width - 2 * margin,
                    safe.height - margin),
        folds=(panel, 2 * panel), hole=None,
        info=Box(5.125 * inch, 2.0 * inch, 2.625 * inch, 1.5 * inch),
        body_top=3.6 * inch, left=1 * inch, right=0.75 * inch)


LAYOUTS = {
    DIN_5008_B: _din(45 * mm, 17.7 * mm, (105, 210), 50, 103),
    DIN_5008_A: _din(27 * mm, 12.7 * mm, (87, 192), 32, 85),
    US_10: _us10(),
}


def layout(envelope: str) -> Layout:
    return LAYOUTS[envelope]
