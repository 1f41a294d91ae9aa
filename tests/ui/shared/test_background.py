"""The worker helper: results come back on the UI thread, only the newest request shows."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.errors import StorageError
from crm_desktop.gui.shared.background import Background, Latest


def test_work_runs_on_a_worker_and_its_result_lands_on_the_ui_thread(qtbot: QtBot) -> None:
    background = Background()
    landed: list[tuple[str, bool]] = []
    background.run(lambda: threading.current_thread().name,
                   lambda name: landed.append((name, threading.current_thread()
                                               is threading.main_thread())))
    qtbot.waitUntil(lambda: bool(landed))
    (worker_name, on_ui_thread), = landed
    assert worker_name != threading.main_thread().name
    assert on_ui_thread
    background.wait()


def test_only_the_newest_request_is_shown(qtbot: QtBot) -> None:
    background = Background()
    gate = threading.Event()
    worked: list[int] = []
    shown: list[int] = []

    def work(key: int) -> int:
        if key == 1:
            gate.wait(5)  # the first search is slow: the person types on meanwhile
        worked.append(key)
        return key

    latest: Latest[int, int] = Latest(background, work, shown.append)
    for key in (1, 2, 3, 4):
        latest.request(key)
    assert latest.pending
    gate.set()
    qtbot.waitUntil(lambda: not latest.pending)
    background.wait()
    assert shown == [4]  # 1 was overtaken; 2 and 3 were replaced before they started
    assert worked == [1, 4]


def test_a_cancelled_request_never_shows(qtbot: QtBot) -> None:
    background = Background()
    shown: list[int] = []
    latest: Latest[int, int] = Latest(background, lambda key: key, shown.append)
    latest.request(1)
    latest.cancel()
    assert not latest.pending
    background.wait()
    assert shown == []


def test_a_failed_request_is_shown_and_the_next_one_still_runs(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, _title, text: warnings.append(text))
    background = Background()
    shown: list[int] = []

    def work(key: int) -> int:
        if key == 1:
            raise StorageError("The database is busy with another task.")
        return key

    latest: Latest[int, int] = Latest(background, work, shown.append)
    latest.request(1)
    qtbot.waitUntil(lambda: not latest.pending)
    assert warnings == ["The database is busy with another task."]
    latest.request(2)
    qtbot.waitUntil(lambda: shown == [2])
    background.wait()
