"""Per-machine UI state (window geometry, splitters, table columns) in an INI file that lives
in the app's config folder, so tests can point it at a temporary folder."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

from crm_desktop.paths import AppPaths


def open_ui_state(paths: AppPaths) -> QSettings:
    return QSettings(str(paths.settings_file), QSettings.Format.IniFormat)


def _bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_geometry(settings: QSettings, key: str, widget: QWidget) -> None:
    settings.setValue(f"{key}/geometry", widget.saveGeometry())


def restore_geometry(settings: QSettings, key: str, widget: QWidget) -> bool:
    state = _bytes(settings, f"{key}/geometry")
    return bool(state and widget.restoreGeometry(state))


def save_splitter(settings: QSettings, key: str, splitter: QSplitter) -> None:
    settings.setValue(f"{key}/splitter", splitter.saveState())


def restore_splitter(settings: QSettings, key: str, splitter: QSplitter) -> bool:
    state = _bytes(settings, f"{key}/splitter")
    return bool(state and splitter.restoreState(state))


def save_header(settings: QSettings, key: str, header: QHeaderView) -> None:
    settings.setValue(f"{key}/header", header.saveState())


def restore_header(settings: QSettings, key: str, header: QHeaderView) -> bool:
    state = _bytes(settings, f"{key}/header")
    return bool(state and header.restoreState(state))
