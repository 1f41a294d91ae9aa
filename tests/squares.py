"""Reading back a QR square drawn with block characters (``shared_shop.code_square``), as a
camera pointed at the terminal would: each character two modules high, scaled up."""

from __future__ import annotations

import zxingcpp


def read_square(text: str, *, scale: int = 6) -> list[str]:
    rows: list[list[bool]] = []
    for line in text.splitlines():
        rows.append([ch in "█▀" for ch in line])
        rows.append([ch in "█▄" for ch in line])
    pixels = b"".join(b"".join((b"\xff" if light else b"\x00") * scale for light in row) * scale
                      for row in rows)
    view = zxingcpp.ImageView(pixels, len(rows[0]) * scale, len(rows) * scale,
                              zxingcpp.ImageFormat.Lum)
    return [found.text for found in zxingcpp.read_barcodes(view)]
