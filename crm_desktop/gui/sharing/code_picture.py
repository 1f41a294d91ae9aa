"""The connection code as a QR picture, and the code read back from a picture (zxing-cpp,
which both writes and reads them): shown beside the code on the computer that shares the
shop, scanned by the other desk's camera or read from a photo of that screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage, QImageReader

from crm_desktop.errors import CrmError, ValidationError
from crm_desktop.storage.shared_shop import code_pixels, read_code

MOST_PIXELS = 40_000_000  # a photo larger than this is not a phone's (and would take long)


def code_picture(code: str, *, scale: int = 6) -> QImage:
    """``code`` as a QR code, black on white with its quiet zone, ``scale`` pixels a
    module."""
    size, pixels = code_pixels(code, scale=scale)
    return QImage(pixels, size, size, size, QImage.Format.Format_Grayscale8
                  ).copy()  # (the QImage owns its pixels once copied)


def codes_in(image: QImage) -> list[str]:
    """The texts of the QR codes found in ``image`` (a camera frame, a photo), in the order
    found; none when there is no readable code."""
    if image.isNull():
        return []
    import zxingcpp  # noqa: PLC0415 - loaded when a picture is read, not at start

    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = bytes(grey.constBits())  # (kept here: the view does not hold on to them)
    view = zxingcpp.ImageView(pixels, grey.width(), grey.height(), zxingcpp.ImageFormat.Lum,
                              grey.bytesPerLine())
    return [found.text for found in zxingcpp.read_barcodes(
        view, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        if found.valid]


def connection_code_in(image: QImage) -> str | None:
    """The first shop connection code ``image`` shows (other QR codes passed over)."""
    for text in codes_in(image):
        try:
            read_code(text)
        except CrmError:
            continue
        return text
    return None


def code_from_picture(path: Path) -> str:
    """The connection code in a picture file (a photo of the other computer's screen); what
    is wrong otherwise is said at the code field."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # a phone's photo taken upright says so in its EXIF
    size = reader.size()
    if size.isValid() and size.width() * size.height() > MOST_PIXELS:
        raise ValidationError.single(
            "code", f"{path.name} is too large a picture to look for a code in.")
    image = reader.read()
    if image.isNull():
        raise ValidationError.single(
            "code", f"{path.name} could not be opened as a picture ({reader.errorString()}).")
    code = connection_code_in(image)
    if code is None:
        raise ValidationError.single(
            "code", f"No connection code was found in {path.name}. Take the photo straight "
                    "on, with the whole square in it, or type the code.")
    return code
