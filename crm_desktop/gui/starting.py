"""The first thing on screen: a small window saying the shop is opening.

It is shown before the database code, the models, the services and the pages are imported
(most of a start's second), so a double-click is answered as fast as a bare Qt window. This
module therefore imports nothing of the app but its name and where its icon lies.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from crm_desktop import APP_ID, APP_NAME, __version__
from crm_desktop.resources import resource_path

SIZE = QSize(440, 200)
ICON = 72


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path("icons", "crm-desktop.svg"))))
    return app


def _picture(app: QApplication) -> QPixmap:
    ratio = app.devicePixelRatio()
    picture = QPixmap(SIZE * ratio)
    picture.setDevicePixelRatio(ratio)
    palette = app.palette()
    picture.fill(palette.window().color())
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(palette.mid().color()))
    painter.drawRect(0, 0, SIZE.width() - 1, SIZE.height() - 1)
    app.windowIcon().paint(painter, QRect(32, (SIZE.height() - ICON) // 2, ICON, ICON))
    text_left = 32 + ICON + 24
    painter.setPen(palette.windowText().color())
    title = QFont(app.font())
    title.setPointSizeF(title.pointSizeF() * 1.8)
    title.setBold(True)
    painter.setFont(title)
    painter.drawText(QRect(text_left, 56, SIZE.width() - text_left - 16, 44),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, APP_NAME)
    painter.setFont(app.font())
    painter.setPen(palette.placeholderText().color())
    painter.drawText(QRect(text_left, 104, SIZE.width() - text_left - 16, 24),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     "Opening the shop…")
    painter.end()
    return picture


def show_starting_window() -> QWidget:
    """Shown and painted at once; the caller closes it before the first dialog or the main
    window. (Not a QSplashScreen: its show() waits up to a second for the window system to
    expose it, which is the very second this window is here to hide.)"""
    app = application()
    window = QLabel()
    window.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    window.setObjectName("starting_window")
    window.setWindowTitle(APP_NAME)
    window.setPixmap(_picture(app))
    window.setFixedSize(SIZE)
    screen = app.primaryScreen().availableGeometry()
    window.move(screen.center() - window.rect().center())
    window.show()
    app.processEvents()
    return window
