"""Scan the connection code with this computer's camera: what the camera sees is shown, and
the dialog closes with the first shop connection code in it.

Qt Multimedia is imported only here, when someone scans: it is large, and most starts of
the app never need it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QLoggingCategory, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from crm_desktop.gui.shared.widgets import wrapping_label
from crm_desktop.gui.sharing.code_picture import connection_code_in

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QCameraDevice, QVideoFrame

log = logging.getLogger(__name__)

LOOK_EVERY_MS = 150  # a frame is searched for a code at most this often (a few ms each)


def _multimedia() -> None:
    # Its start-up lists every optional library it did not find (PipeWire, VA-API): noise
    # for a person who only wants to scan a code.
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")


def cameras() -> list[QCameraDevice]:
    """This computer's cameras (none on most front-desk computers)."""
    _multimedia()
    try:
        from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415
    except ImportError as exc:  # e.g. Linux without PulseAudio's client library (libpulse0)
        log.warning("no camera can be used: Qt Multimedia does not load: %s", exc)
        return []
    return list(QMediaDevices.videoInputs())


class ScanDialog(QDialog):
    """Accepted with ``code`` once the camera saw a shop connection code."""

    def __init__(self, camera: QCameraDevice | None, parent: QWidget | None = None) -> None:
        """``camera``: which one to use (None: frames come only through ``sink``, as in a
        test)."""
        super().__init__(parent)
        _multimedia()
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QVideoSink  # noqa: PLC0415

        self.setWindowTitle("Scan the connection code")
        self.code: str | None = None
        self.view = QLabel("Starting the camera…")
        self.view.setObjectName("camera_view")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setMinimumSize(480, 360)
        self.view.setStyleSheet("background: #202020; color: white;")
        self.problem = wrapping_label()
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(wrapping_label(
            "Hold the camera up to the other computer's screen, where it shows the square "
            "code beside the connection code. This window closes once it has read it."))
        layout.addWidget(self.view)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._since_look = QElapsedTimer()
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self.frame_arrived)
        self._session = QMediaCaptureSession(self)
        self._session.setVideoSink(self.sink)
        self._camera: QCamera | None = None
        if camera is not None:
            self._camera = QCamera(camera, self)
            self._camera.errorOccurred.connect(self._camera_failed)
            self._session.setCamera(self._camera)
            self._camera.start()

    def frame_arrived(self, frame: QVideoFrame) -> None:
        image = frame.toImage()
        if image.isNull():
            return
        self.view.setPixmap(QPixmap.fromImage(image).scaled(
            self.view.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        if self._since_look.isValid() and self._since_look.elapsed() < LOOK_EVERY_MS:
            return
        self._since_look.start()
        code = connection_code_in(image)
        if code is not None:
            self.code = code
            self.accept()

    def _camera_failed(self, _error: object, text: str) -> None:
        log.warning("the camera failed: %s", text)
        self.problem.setText(f"The camera cannot be used: {text or 'it did not start'}. "
                             "Open a photo of the code instead, or type it.")
        self.problem.show()

    def done(self, result: int) -> None:
        if self._camera is not None:
            self._camera.stop()
        super().done(result)
