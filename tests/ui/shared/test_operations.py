"""The one way a user action runs: errors to the right place, then what changed, to everyone."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.errors import BugReportDialog
from crm_desktop.gui.shared.field_errors import FieldErrors
from crm_desktop.gui.shared.operations import Change, Changes, Operations, attempt
from crm_desktop.models import HistoryKind
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.storage.database import Database


def _refuse(error: Exception) -> Callable[[], int]:
    def action() -> int:
        raise error
    return action


def test_a_refused_input_is_marked_at_its_field_without_a_dialog(qtbot: QtBot) -> None:
    form = QWidget()
    qtbot.addWidget(form)
    name, label = QLineEdit(form), QLabel(form)
    fields = FieldErrors()
    fields.register("name", name, label)
    assert attempt(form, _refuse(ValidationError.single("name", "A name, please")),
                   fields=fields) is None
    assert fields.marked == [name] and label.text() == "A name, please"


def test_other_known_errors_are_a_plain_message(qtbot: QtBot,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, title, text: shown.append((title, text)))
    fields = FieldErrors()  # no field for "phone": the message must not be lost
    assert attempt(None, _refuse(ValidationError.single("phone", "Not a number")),
                   fields=fields) is None
    assert attempt(None, _refuse(ConflictError("Someone else saved first."))) is None
    assert [text for _title, text in shown] == ["Not a number", "Someone else saved first."]


def test_a_bug_is_logged_and_reported_never_lost(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    reported: list[str] = []
    monkeypatch.setattr(BugReportDialog, "exec",
                        lambda self: reported.append(self.details.toPlainText()) or 0)
    with caplog.at_level(logging.ERROR):
        assert attempt(None, _refuse(ZeroDivisionError("oops"))) is None
    assert len(reported) == 1 and "ZeroDivisionError: oops" in reported[0]
    assert "ZeroDivisionError" in caplog.text


def test_run_announces_what_changed_only_when_it_worked(qtbot: QtBot) -> None:
    ops = Operations()
    heard: list[Changes] = []
    said: list[str] = []
    ops.changed.connect(heard.append)
    ops.status.connect(lambda text, _ms: said.append(text))
    result = ops.run(None, lambda: 7, changes=lambda n: Changes.of(Change.ORDERS, [n]),
                     done=lambda n: f"Saved order {n}")
    assert result == 7
    assert heard == [Changes(Change.ORDERS, frozenset({7}))] and said == ["Saved order 7"]

    fields = FieldErrors()
    fields.register("x", QLineEdit())
    assert ops.run(None, _refuse(ValidationError.single("x", "no")),
                   changes=Changes.of(Change.ORDERS), fields=fields) is None
    assert len(heard) == 1


def test_a_dialog_announces_when_accepted_and_not_when_cancelled(qtbot: QtBot) -> None:
    ops = Operations()
    heard: list[Changes] = []
    ops.changed.connect(heard.append)
    for accept in (False, True):
        dialog = ops.dialog(QDialog(), changes=Changes.of(Change.QUERIES, [3]), done="Logged")
        with qtbot.waitSignal(dialog.finished):
            dialog.accept() if accept else dialog.reject()
    assert heard == [Changes(Change.QUERIES, frozenset({3}))]


def test_changes_say_which_customers_they_concern() -> None:
    some = Changes.of(Change.HISTORY | Change.FOLLOW_UPS, [1, 2])
    assert some.touches(Change.FOLLOW_UPS) and not some.touches(Change.INVOICES)
    assert some.concerns(2) and not some.concerns(3)
    assert Changes.of(Change.CUSTOMERS).concerns(3)  # no ids: any customer


def test_the_profile_on_screen_refreshes_itself_from_a_change_made_elsewhere(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    """The hook for the other desk: a change announced (here as if it came from another desk)
    reaches the profile on screen without anyone calling it by name."""
    margo = CustomerService(db).create(CustomerInput(first_name="Margo"), owner)
    jim = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    window.customers.open_customer(margo.id)
    timeline = window.customers.timeline_model
    before = timeline.rowCount()

    TimelineService(db).log(jim.id, HistoryKind.CALL, "Jim called", owner)
    window.ops.changed.emit(Changes(Change.HISTORY, frozenset({jim.id}), remote=True))
    assert timeline.rowCount() == before  # not hers: her profile is left alone

    TimelineService(db).log(margo.id, HistoryKind.CALL, "Asked about the blue vase", owner)
    window.ops.changed.emit(Changes(Change.HISTORY, frozenset({margo.id}), remote=True))
    assert timeline.rowCount() == before + 1
    assert window.customers.list_model.rowCount() == 2
