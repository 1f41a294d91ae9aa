"""A short note that looks written by hand, not typeset.

Each line gets its own small, deterministic variations (baseline, slant, size, a slight tilt
and indent), drawn from a random generator seeded by the invoice and the line, so the same
invoice always prints the same way and no two invoices look alike. Characters the
handwriting font lacks fall back to a font that has them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from crm_desktop.documents import fonts

INK = Color(0.11, 0.23, 0.55)  # blue-black fountain-pen ink
PAPER = Color(0.985, 0.972, 0.94)


@dataclass(frozen=True)
class Stroke:
    """One written line: where and how it is drawn."""

    text: str
    size: float
    rise: float  # baseline shift, points
    slant: float  # degrees of shear
    tilt: float  # degrees of rotation
    indent: float


def wrap(text: str, width: float, size: float) -> list[str]:
    """The note's lines wrapped to ``width`` at ``size`` (kept paragraphs, split long ones).
    Each word is measured once: a line's width is the sum of its words' and spaces' (no
    kerning), so measuring the line anew at each word (as this did) only cost time."""
    space = _width(" ", size)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current, used = "", 0.0
        for word in paragraph.split():
            needed = _width(word, size)
            if current and used + space + needed > width:
                lines.append(current)
                current, used = word, needed
            elif current:
                current, used = f"{current} {word}", used + space + needed
            else:
                current, used = word, needed
        lines.append(current)
    return lines


def _width(text: str, size: float) -> float:
    return float(sum(stringWidth(piece, font, size)
                     for font, piece in fonts.runs(text, fonts.HAND, fonts.HAND_FALLBACK)))


@lru_cache(maxsize=32)
def strokes(text: str, seed: str, width: float, size: float) -> tuple[Stroke, ...]:
    """The note's lines and how each is written: the same for the same note, seed and room
    (kept, as platypus asks a flowable for its size more than once)."""
    result = []
    for index, line in enumerate(wrap(text, width * 0.94, size)):
        rng = random.Random(f"{seed}/{index}")
        result.append(Stroke(line, size * rng.uniform(0.95, 1.05), rng.uniform(-1.0, 1.0),
                             rng.uniform(-4.0, 2.0), rng.uniform(-0.8, 0.8),
                             rng.uniform(0.0, width * 0.03)))
    return tuple(result)


class HandwrittenNote(Flowable):
    """The note on a soft paper-coloured card, with an optional scanned signature."""

    def __init__(self, text: str, seed: str, *, size: float = 15.0,
                 signature: bytes | None = None, padding: float = 10.0) -> None:
        super().__init__()
        self.text = text
        self.seed = seed
        self.size = size
        self.signature = ImageReader(BytesIO(signature)) if signature else None
        self.padding = padding
        self.leading = size * 1.22
        self._strokes: tuple[Stroke, ...] = ()

    def _signature_size(self, width: float) -> tuple[float, float]:
        if self.signature is None:
            return 0.0, 0.0
        w, h = self.signature.getSize()
        height = min(self.size * 2.4, width * 0.4 * h / w)
        return height * w / h, height

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        fonts.register()
        inner = available_width - 2 * self.padding
        self._strokes = strokes(self.text, self.seed, inner, self.size)
        self.width = available_width
        self.height = (len(self._strokes) * self.leading + 2 * self.padding
                       + self._signature_size(inner)[1])
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(PAPER)
        canvas.setStrokeColor(Color(0.88, 0.84, 0.76))
        canvas.roundRect(0, 0, self.width, self.height, 6, stroke=1, fill=1)
        canvas.setFillColor(INK)
        y = self.height - self.padding - self.size
        for stroke in self._strokes:
            canvas.saveState()
            canvas.translate(self.padding + stroke.indent, y + stroke.rise)
            canvas.rotate(stroke.tilt)
            canvas.skew(0, stroke.slant)
            x = 0.0
            for font, piece in fonts.runs(stroke.text, fonts.HAND, fonts.HAND_FALLBACK):
                # The fallback is a typeset face: a touch smaller so it sits with the hand.
                size = stroke.size * (1.0 if font == fonts.HAND else 0.8)
                canvas.setFont(font, size)
                canvas.drawString(x, 0, piece)
                x += stringWidth(piece, font, size)
            canvas.restoreState()
            y -= self.leading
        if self.signature is not None:
            w, h = self._signature_size(self.width - 2 * self.padding)
            canvas.drawImage(self.signature, self.width - self.padding - w, self.padding, w, h,
                             mask="auto")
        canvas.restoreState()
