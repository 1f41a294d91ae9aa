"""What every window-envelope page of the shop carries, invoice or letter: the letterhead, the
small return line atop the window (DIN 5008), the recipient's address fitted into the window,
and the fold and hole marks. Canvas drawing in points from the bottom-left corner."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from crm_desktop.documents import fonts
from crm_desktop.documents.envelopes import Layout

# The house style's greys: text, table headers, rules and shaded boxes.
GREY = Color(0.42, 0.42, 0.42)
LIGHT = Color(0.93, 0.93, 0.93)
RULE = Color(0.75, 0.75, 0.75)
SHADE = Color(0.97, 0.97, 0.97)


def draw_letterhead(c: Canvas, g: Layout, shop_name: str, contact: Sequence[str],
                    shop_address: str) -> None:
    """The shop's name and one grey line of how to reach it at the top left; for a DIN 5008
    window, the sender small and underlined atop the window."""
    height = g.page[1]
    c.setFont(fonts.BODY_BOLD, 14)
    c.drawString(g.left, height - 18 * mm, shop_name)
    c.setFont(fonts.BODY, 8)
    c.setFillColor(GREY)
    c.drawString(g.left, height - 23 * mm, "  ·  ".join(p for p in contact if p))
    c.setFillColor(black)
    if g.return_line is not None:
        sender = ", ".join([shop_name, *shop_address.splitlines()])
        size = 6.5
        while size > 5 and c.stringWidth(sender, fonts.BODY, size) > g.return_line.width:
            size -= 0.25
        c.setFont(fonts.BODY, size)
        baseline = height - (g.return_line.top + 3.2 * mm)
        c.drawString(g.return_line.x, baseline, sender)
        c.setLineWidth(0.3)
        used = min(c.stringWidth(sender, fonts.BODY, size), g.return_line.width)
        c.line(g.return_line.x, baseline - 1, g.return_line.x + used, baseline - 1)


def draw_window_address(c: Canvas, g: Layout, recipient: str) -> None:
    """The recipient's lines, fitted into the address box: smaller type for a long address
    rather than a line outside the window."""
    box, height = g.address, g.page[1]
    lines = recipient.splitlines()
    size = 10.0
    while size > 6.5 and (len(lines) * size * 1.18 > box.height or any(
            c.stringWidth(line, fonts.BODY, size) > box.width for line in lines)):
        size -= 0.25
    leading = size * 1.18
    c.setFont(fonts.BODY, size)
    y = height - (box.top + size)
    for line in lines:
        shown = line
        while c.stringWidth(shown, fonts.BODY, size) > box.width:
            shown = shown[:-1]  # the last resort: never outside the window
        c.drawString(box.x, y, shown)
        y -= leading


def draw_fold_marks(c: Canvas, g: Layout) -> None:
    """Where to fold, and the hole mark, in the left margin."""
    height = g.page[1]
    c.setStrokeColor(GREY)
    c.setLineWidth(0.4)
    for fold in g.folds:
        c.line(4 * mm, height - fold, 9 * mm, height - fold)
    if g.hole is not None:
        c.line(4 * mm, height - g.hole, 11 * mm, height - g.hole)
