"""The shared database's server stops while a person is saving (a cable pulled, a computer
asleep): the save waits, says so, and goes through once the server is back; or the person
stops waiting and everything typed is still in the form. On a server of this module's own,
really stopped and started."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.shared import operations
from crm_desktop.models import Customer
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests.clusters import Cluster
from tests.conftest import FakeClock
from tests.passwords import OWNER_PASSWORD


@pytest.fixture
def shop(pg_cluster: Cluster, clock: FakeClock) -> Iterator[Database]:
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:{pg_cluster.port}/postgres",
                        clock=clock)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
        connection.commit()
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "RETRY_EVERY_MS", 50)


def _form(qtbot: QtBot, shop: Database, owner: Actor) -> CustomerFormDialog:
    form = CustomerFormDialog(CustomerService(shop), owner, UserService(shop).list_active())
    qtbot.addWidget(form)
    form.show()
    form.ui.first_name.setText("Margo")
    form.ui.last_name.setText("Delacroix")
    return form


def _waiting() -> QProgressDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)
                 and w.isVisible() and w.windowTitle() == "Waiting for the shared database"),
                None)


def _owner(shop: Database) -> Actor:
    return UserService(shop).first_run("Olivia Owner", "Corner Shop", "US",
                                       password=OWNER_PASSWORD).as_actor()


def test_a_save_waits_for_the_server_and_goes_through_once_it_is_back(
        qtbot: QtBot, shop: Database, pg_cluster: Cluster) -> None:
    owner = _owner(shop)
    form = _form(qtbot, shop, owner)
    pg_cluster.stop()  # the server is gone, and the pool's connections with it
    seen: list[str] = []

    def back_once_seen() -> None:
        waiting = _waiting()
        if waiting is None:
            QTimer.singleShot(20, back_once_seen)
            return
        seen.append(waiting.labelText())
        pg_cluster.start()

    QTimer.singleShot(0, back_once_seen)
    form.save()
    assert seen and "Trying again" in seen[0] and "What you typed is kept" in seen[0]
    assert form.saved is not None and not form.isVisible()
    with shop.read() as session:
        assert [c.display_name for c in session.scalars(select(Customer))] == [
            "Margo Delacroix"]  # saved once
    assert _waiting() is None


def test_stopping_the_wait_keeps_everything_typed_and_saving_again_later_works(
        qtbot: QtBot, shop: Database, pg_cluster: Cluster,
        monkeypatch: pytest.MonkeyPatch) -> None:
    owner = _owner(shop)
    form = _form(qtbot, shop, owner)
    pg_cluster.stop()
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: told.append(text))

    def stop_waiting() -> None:
        waiting = _waiting()
        if waiting is None:
            QTimer.singleShot(20, stop_waiting)
            return
        waiting.cancel()

    QTimer.singleShot(0, stop_waiting)
    try:
        form.save()
        assert len(told) == 1 and "Not saved" in told[0] and "still here" in told[0]
        assert form.isVisible() and form.saved is None
        assert (form.ui.first_name.text(), form.ui.last_name.text()) == ("Margo", "Delacroix")
    finally:
        pg_cluster.start()
    form.save()
    assert form.saved is not None and form.saved.display_name == "Margo Delacroix"
