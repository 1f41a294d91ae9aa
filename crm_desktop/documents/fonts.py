"""The fonts every document uses, shipped in ``resources/fonts`` and embedded in each PDF.

Body text is DejaVu Sans (wide coverage: every European name prints). The thank-you note is
Caveat, an OFL handwriting font in TrueType outlines (ReportLab's TTFont cannot read CFF
``.otf``). Characters Caveat lacks are drawn in DejaVu Sans Oblique, which has them: a name
never shows an empty box.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from crm_desktop.resources import resource_path

BODY = "CrmBody"
BODY_BOLD = "CrmBody-Bold"
HAND = "CrmHand"
HAND_FALLBACK = "CrmHand-Fallback"

_FILES = {BODY: "DejaVuSans.ttf", BODY_BOLD: "DejaVuSans-Bold.ttf", HAND: "Caveat.ttf",
          HAND_FALLBACK: "DejaVuSans-Oblique.ttf"}


@cache
def register() -> None:
    """Register the fonts once per process (parsing a TTF takes a few milliseconds)."""
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    addMapping(BODY, 0, 0, BODY)
    addMapping(BODY, 1, 0, BODY_BOLD)
    addMapping(BODY, 0, 1, BODY)
    addMapping(BODY, 1, 1, BODY_BOLD)


@cache
def _glyphs(font: str) -> frozenset[int]:
    register()
    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph)


def runs(text: str, font: str, fallback: str) -> list[tuple[str, str]]:
    """``text`` cut into (font, piece) runs: each character in ``font`` if it has the glyph,
    else in ``fallback``. Spaces stay with the run they are in."""
    have = _glyphs(font)
    result: list[tuple[str, str]] = []
    for char in text:
        chosen = font if char.isspace() or ord(char) in have else fallback
        if result and result[-1][0] == chosen:
            result[-1] = (chosen, result[-1][1] + char)
        else:
            result.append((chosen, char))
    return result
