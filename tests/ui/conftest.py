from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from datetime import UTC

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.gui.shared.errors import BugReportDialog
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.paths import AppPaths
from crm_desktop.storage.database import Database


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal the test did not expect fails the test at once instead of hanging it.
    Tests that expect one patch the same function again with the answer they want."""

    def unexpected(*args: object, **kwargs: object) -> None:
        pytest.fail(f"unexpected dialog: {args[1:3]}")

    for name in ("question", "warning", "information", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, unexpected)
    for name in ("getItem", "getText", "getMultiLineText", "getInt"):
        monkeypatch.setattr(QInputDialog, name, unexpected)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: unexpected(
        self, self.windowTitle(), self.text()))
    monkeypatch.setattr(BugReportDialog, "exec", lambda self: unexpected(
        self, "bug report", self.details.toPlainText()))
    monkeypatch.setattr(ConflictDialog, "exec", lambda self: unexpected(
        self, self.windowTitle(), "a save met the other desk's version"))
    # run_app installs its exception hook; pytest-qt's own capture must survive each test.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


@pytest.fixture(autouse=True)
def collect_garbage_on_the_ui_thread() -> Iterator[None]:
    """As the app does (gui/shared/garbage.py): no collection on a worker thread, where it
    would destroy a previous test's widgets; one collection here after each test."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def formatter() -> Formatter:
    return Formatter("en_US", "USD", zone=UTC)


@pytest.fixture
def ui_state(app_home: AppPaths) -> QSettings:
    return open_ui_state(app_home)


@pytest.fixture
def make_window(qtbot: QtBot, db: Database, owner: Actor,
                app_home: AppPaths) -> Callable[[], MainWindow]:
    """Open the main window as the app does; call again to 'restart' it."""

    def make() -> MainWindow:
        window = build_main_window(db, owner, open_ui_state(app_home))
        qtbot.addWidget(window)
        window.show()
        # Shortcuts such as Ctrl+K only reach the active window.
        handle = window.windowHandle()
        assert handle is not None
        handle.requestActivate()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    return make
