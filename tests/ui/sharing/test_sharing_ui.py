"""Two desks, one shop, as the owner and the receptionist do it: File → Share this shop… on
the computer that holds it, File → Connect to a shared shop… at the other desk, each through
the running app (run_app), on a PostgreSQL server of this module's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.cli import main
from crm_desktop.gui import app as gui_app
from crm_desktop.gui.admin.first_run_dialog import FirstRunDialog
from crm_desktop.gui.admin.sign_in_dialog import SignInDialog
from crm_desktop.gui.app import run_app
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.sharing.code_picture import connection_code_in
from crm_desktop.gui.sharing.connect_dialog import ConnectDialog
from crm_desktop.gui.sharing.share_dialog import ShareDialog
from crm_desktop.paths import HOME_ENV, AppPaths, app_paths
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage import server_setup
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from crm_desktop.storage.shared_shop import (
    ShopLink,
    connection_code,
    keep_link,
    read_code,
    saved_link,
    shared_url,
)
from tests.clusters import Cluster
from tests.keyrings import MemoryKeyring
from tests.passwords import OWNER_PASSWORD


@pytest.fixture(autouse=True)
def server_on_this_computer(pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server the app finds is this module's; the desks reach it at 127.0.0.1."""
    monkeypatch.setattr(server_setup, "this_computers_address", lambda: "127.0.0.1")
    monkeypatch.setenv("PGHOST", str(pg_cluster.folder))
    monkeypatch.setenv("PGPORT", str(pg_cluster.port))


def _sign_ins(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """The owner signs in ``times`` times; then nobody does, and the app ends."""
    shops: list[str] = []

    def sign_in(dialog: SignInDialog) -> int:
        qtbot.addWidget(dialog)
        shops.append(dialog.windowTitle())
        if len(shops) > times:
            return 0
        dialog.name.setCurrentText("Olivia Owner")
        dialog.password.setText(OWNER_PASSWORD)
        dialog.sign_in()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", sign_in)
    return shops


def _then(monkeypatch: pytest.MonkeyPatch, *steps: Callable[[MainWindow], None]) -> list[str]:
    """Once each window is open, do the next step; returns where each window was. A step
    that fails ends the app (a failure inside a Qt slot would leave it running)."""
    housekeeping = gui_app.housekeeping
    databases: list[str] = []
    left = list(steps)

    def after_opening(window: MainWindow, database: Database, actor: Actor) -> None:
        housekeeping(window, database, actor)
        databases.append(database.describe())
        if left:
            try:
                left.pop(0)(window)
            except BaseException as exc:
                databases.append(f"failed: {exc!r}")
                left.clear()
                window.close()

    monkeypatch.setattr(gui_app, "housekeeping", after_opening)
    return databases


def _answer(monkeypatch: pytest.MonkeyPatch, button: str) -> list[str]:
    """Each message box that opens is answered with ``button``; returns what they said."""
    said: list[str] = []

    def answer(box: QMessageBox) -> int:
        said.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return said


def _connect_with(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
                  shared: server_setup.SharedDatabase) -> None:
    """The connect dialog, when it opens, gets ``shared``'s code and password typed in."""
    def connect(dialog: ConnectDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.code.setText(connection_code(shared.link))
        dialog.password.setText(shared.password)
        dialog.try_to_connect()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
        return dialog.result()

    monkeypatch.setattr(ConnectDialog, "exec", connect)


def _hand_over(window: MainWindow) -> None:
    """Close as for a change of person (no backup on the way out); nobody signs in."""
    window.switch_person()


def test_the_owner_shares_the_shop_from_the_app_and_works_on_it_there(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Delacroix"), owner)
    url = app_home.default_database_url()
    shown: dict[str, str] = {}

    def share(dialog: ShareDialog) -> int:
        qtbot.addWidget(dialog)
        assert "move this shop (1 customer) into it" in dialog.intro_text.text()
        dialog.share_button.click()
        qtbot.waitUntil(lambda: dialog.pages.currentWidget() is not dialog.working_page,
                        timeout=60_000)
        assert dialog.pages.currentWidget() is dialog.done_page, dialog.intro_error.text()
        assert dialog.code_shown.text().replace("\n", "") == dialog.connection_code
        # The square beside it, as a camera sees the screen: the same code.
        assert connection_code_in(dialog.grab().toImage()) == dialog.connection_code
        shown.update(code=dialog.connection_code, password=dialog.password_shown.text(),
                     text=dialog.done_text.text())
        dialog.reject()  # closing it once shared is the way forward, not a cancel
        return dialog.result()

    monkeypatch.setattr(ShareDialog, "exec", share)
    shops = _sign_ins(qtbot, monkeypatch, 2)
    databases = _then(monkeypatch, lambda window: window.share_action.trigger(), _hand_over)
    assert run_app(url, app_home) == 0
    assert not [d for d in databases if d.startswith("failed")]
    link = read_code(shown["code"])
    assert (link.host, link.database) == ("127.0.0.1", "crm")
    assert "rows moved and checked" in shown["text"] and str(app_home.database_file) in \
        shown["text"]
    assert databases[0].startswith("sqlite") and databases[1].startswith(
        "postgresql+psycopg://crm:***@127.0.0.1")
    assert len(shops) == 3  # signed in here, then again on the shared shop
    assert saved_link(app_home) is not None
    shared = Database(shared_url(app_home) or "")
    try:
        assert [row.display_name for row in CustomerListService(shared).page(
            CustomerFilter(), offset=0, limit=10)] == ["Margo Delacroix"]
    finally:
        shared.dispose()


def test_the_other_desk_connects_with_the_code_and_signs_in_to_the_shared_shop(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerService(db).create(CustomerInput(first_name="Jim", last_name="Hall"), owner)
    holder = SharingService(db, app_home)
    shared = holder.set_up_server(owner, name="crm_two")
    holder.share(owner, shared)
    # The front desk: a computer of its own, with a shop of its own so far.
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "front-desk"))
    front_desk = app_paths().ensure()
    own = Database(front_desk.default_database_url())
    upgrade(own)
    UserService(own).first_run("Olivia Owner", "Front desk", "US", password=OWNER_PASSWORD)
    own.dispose()
    tries: list[str] = []

    def connect(dialog: ConnectDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.code.setText(connection_code(shared.link))
        dialog.password.setText("not the password")
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
        tries.append(dialog.password_error.text())
        dialog.password.setText(shared.password)
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted,
                        timeout=30_000)
        return dialog.result()

    monkeypatch.setattr(ConnectDialog, "exec", connect)
    _sign_ins(qtbot, monkeypatch, 2)
    databases = _then(monkeypatch, lambda window: window.connect_action.trigger(), _hand_over)
    assert run_app(front_desk.default_database_url(), front_desk) == 0
    assert not [d for d in databases if d.startswith("failed")]
    assert "not the shop's database password" in tries[0]
    assert databases[1].startswith("postgresql+psycopg://crm_two:***@127.0.0.1")
    assert saved_link(front_desk) == shared.link


def test_a_desk_on_the_shared_shop_can_go_back_to_its_own(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    holder = SharingService(db, app_home)
    shared = holder.set_up_server(owner, name="crm_three")
    holder.share(owner, shared)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: (
        asked.append(text), QMessageBox.StandardButton.Yes)[-1])
    _sign_ins(qtbot, monkeypatch, 2)

    def go_back(window: MainWindow) -> None:
        assert not window.share_action.isVisible() and window.own_shop_action.isVisible()
        window.own_shop_action.trigger()

    databases = _then(monkeypatch, go_back, _hand_over)
    assert run_app(shared_url(app_home) or "", app_home) == 0
    assert not [d for d in databases if d.startswith("failed")]
    assert "nothing saved at the shared shop since is in it" in asked[0]
    assert databases[0].startswith("postgresql") and databases[1].startswith("sqlite")
    assert saved_link(app_home) is None


def test_a_new_front_desk_joins_the_shared_shop_at_its_first_start(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerService(db).create(CustomerInput(first_name="Alecia", last_name="Burns"), owner)
    holder = SharingService(db, app_home)
    shared = holder.set_up_server(owner, name="crm_four")
    holder.share(owner, shared)
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "new-front-desk"))
    front_desk = app_paths().ensure()

    def first_run(dialog: FirstRunDialog) -> int:
        qtbot.addWidget(dialog)
        assert dialog.join_button.text() == "Join a shared shop…"
        dialog.join_shared_shop()
        return dialog.result()

    monkeypatch.setattr(FirstRunDialog, "exec", first_run)
    _connect_with(qtbot, monkeypatch, shared)
    shops = _sign_ins(qtbot, monkeypatch, 1)
    databases = _then(monkeypatch, _hand_over)
    assert run_app(front_desk.default_database_url(), front_desk) == 0
    assert not [d for d in databases if d.startswith("failed")]
    assert databases == [
        f"postgresql+psycopg://crm_four:***@127.0.0.1:{shared.link.port}/crm_four"]
    assert shops[0] == shops[1]  # the shared shop's sign-in, twice (the second: nobody)
    # No shop of its own was made: the first run's questions were not answered.
    own = Database(front_desk.default_database_url())
    try:
        assert UserService(own).needs_first_run()
    finally:
        own.dispose()


def test_a_desk_whose_password_left_the_keyring_is_told_and_may_use_its_own_shop(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    keep_link(app_home, ShopLink("127.0.0.1", 9, "crm", "crm", b"\x00" * 32), b"cert", "pw")
    memory_keyring.passwords.clear()  # e.g. a new keyring, or the entry removed
    said = _answer(monkeypatch, "Use this computer's own shop")
    shops = _sign_ins(qtbot, monkeypatch, 0)  # the own shop's sign-in: nobody, the app ends
    assert main([]) == 0
    assert "not in this computer's keyring" in said[0]
    assert saved_link(app_home) is None and len(shops) == 1


def test_a_desk_the_shared_shop_no_longer_accepts_is_told_at_start_and_may_connect_again(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = SharingService(db, app_home)
    first = holder.set_up_server(owner, name="crm_five")
    holder.share(owner, first)
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "front-desk"))
    front_desk = app_paths().ensure()
    SharingService.connect(front_desk, connection_code(first.link), first.password)
    again = server_setup.set_up(name="crm_five")  # set up again: a new password
    said = _answer(monkeypatch, "Connect again…")
    _connect_with(qtbot, monkeypatch, again)
    shops = _sign_ins(qtbot, monkeypatch, 0)  # the shared shop's sign-in: nobody, the app ends
    assert run_app(shared_url(front_desk) or "", front_desk) == 0
    assert "no longer accepts this desk's password" in said[0]
    assert len(shops) == 1  # it got as far as the sign-in, on the new password
