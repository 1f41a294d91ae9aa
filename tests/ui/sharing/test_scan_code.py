"""The connection code as a square to scan (#19): the computer that shares the shop shows it;
the other desk reads it from its camera's frames or from a photo of that screen, and says so
at the code field when a picture holds no code."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtMultimedia import QCameraDevice, QVideoFrame
from pytestqt.qtbot import QtBot

from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.sharing import connect_dialog as connect_module
from crm_desktop.gui.sharing.code_picture import code_picture, codes_in, connection_code_in
from crm_desktop.gui.sharing.connect_dialog import ConnectDialog
from crm_desktop.gui.sharing.scan_dialog import ScanDialog
from crm_desktop.storage.shared_shop import ShopLink, connection_code, read_code

LINK = ShopLink("192.168.1.20", 5432, "crm", "crm", bytes(range(32)))
CODE = connection_code(LINK)


def _photo(*, code: str | None = CODE, angle: float = 0) -> QImage:
    """As a phone would take the other computer's screen: the square small in a larger,
    grey, slightly turned picture, beside another QR code that is not a shop's."""
    photo = QImage(1280, 960, QImage.Format.Format_RGB32)
    photo.fill(QColor("#9a9a9a"))
    painter = QPainter(photo)
    painter.drawImage(QPoint(60, 60), code_picture("https://example.com/menu", scale=4))
    if code is not None:
        square = code_picture(code, scale=5).transformed(
            QTransform().rotate(angle), Qt.TransformationMode.SmoothTransformation)
        painter.drawImage(QPoint(600, 300), square)
    painter.end()
    return photo


def _dialog(qtbot: QtBot) -> ConnectDialog:
    dialog = ConnectDialog(lambda _code, _password: LINK, Background())
    qtbot.addWidget(dialog)
    return dialog


def test_the_square_reads_back_as_the_code_and_others_are_passed_over() -> None:
    assert codes_in(code_picture(CODE)) == [CODE]
    assert (read_code(CODE).host, read_code(CODE).port) == (LINK.host, LINK.port)
    assert connection_code_in(_photo(angle=8)) == CODE
    assert connection_code_in(_photo(code=None)) is None  # only someone else's QR code
    assert codes_in(QImage()) == []


def test_a_photo_of_the_screen_fills_in_the_code(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot)
    photo = tmp_path / "IMG_2041.jpg"
    assert _photo(angle=-5).save(str(photo), "JPEG", 85)
    dialog.read_photo(photo)
    assert dialog.code.text() == CODE and not dialog.code_error.isVisible()
    assert dialog.password.hasFocus() or not dialog.isActiveWindow()


@pytest.mark.parametrize(("content", "said"), [
    (None, "No connection code was found in"),
    (b"%PDF-1.7 not a picture at all", "could not be opened as a picture"),
])
def test_a_picture_without_a_code_is_said_at_the_code_field(
        qtbot: QtBot, tmp_path: Path, content: bytes | None, said: str) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    dialog.code.setText("CRM-TYPED")
    picture = tmp_path / "screen.png"
    if content is None:
        assert _photo(code=None).save(str(picture))
    else:
        picture.write_bytes(content)
    dialog.read_photo(picture)
    assert said in dialog.code_error.text() and dialog.code_error.isVisible()
    assert dialog.code.text() == "CRM-TYPED"  # what was typed stays


def test_the_open_photo_button_asks_for_the_picture(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = tmp_path / "code.png"
    assert _photo().save(str(photo))
    monkeypatch.setattr(connect_module.QFileDialog, "getOpenFileName",
                        lambda *_args: (str(photo), ""))
    dialog = _dialog(qtbot)
    dialog.photo_button.click()
    assert dialog.code.text() == CODE


# Qt Multimedia turns a frame into a picture on the processor when there is no GPU (here).
@pytest.mark.qt_log_ignore("No RHI backend")
def test_the_camera_window_closes_with_the_first_code_it_sees(qtbot: QtBot) -> None:
    """The frames a camera delivers, given to the scanner's video sink (no camera here)."""
    scanner = ScanDialog(None)
    qtbot.addWidget(scanner)
    scanner.show()
    scanner.sink.setVideoFrame(QVideoFrame(_photo(code=None)))  # someone else's QR code
    assert scanner.isVisible() and scanner.code is None
    assert scanner.view.pixmap() is not None and not scanner.view.pixmap().isNull()
    scanner._since_look.invalidate()  # (the next frame is looked at at once)
    scanner.sink.setVideoFrame(QVideoFrame(_photo(angle=3)))
    assert scanner.code == CODE and scanner.result() == ScanDialog.DialogCode.Accepted


def test_without_a_camera_scanning_is_offered_as_a_photo(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    if dialog._cameras:
        pytest.skip("this computer has a camera")
    assert not dialog.scan_button.isEnabled()
    assert "no camera" in dialog.scan_button.toolTip()
    assert dialog.photo_button.isEnabled()


@pytest.mark.qt_log_ignore("No RHI backend")
def test_what_the_camera_read_lands_in_the_code_field(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connect dialog's side of a scan: the scanner's code fills the field and the
    password is next (the camera here is a stand-in: this computer has none)."""
    def seen(scanner: ScanDialog) -> int:
        scanner.sink.setVideoFrame(QVideoFrame(_photo()))
        return scanner.result()

    monkeypatch.setattr(ScanDialog, "exec", seen)
    dialog = _dialog(qtbot)
    dialog._cameras = [QCameraDevice()]
    dialog.scan()
    assert dialog.code.text() == CODE and not dialog.code_error.isVisible()
