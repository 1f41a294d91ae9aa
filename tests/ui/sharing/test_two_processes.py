"""The issue's "done when", with two app processes on one machine: the shop shared from this
desk into a PostgreSQL server set up for it, the front desk (another process) connecting
with the code and signing in, a call it logs on Margo appearing on this desk's open profile,
both changing Margo's phone and this desk meeting the side-by-side choice, and the server
stopped and started again under a form being saved, with nothing typed lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QProgressDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared import operations
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import ContactKind, Role
from crm_desktop.paths import HOME_ENV, AppPaths
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.storage import server_setup
from crm_desktop.storage.database import Database
from crm_desktop.storage.shared_shop import connection_code, shared_url
from tests.clusters import Cluster
from tests.passwords import FIRST_PASSWORD
from tests.ui.sharing.desk_process import RITA, RITAS_PASSWORD

ROOT = Path(__file__).parents[3]
WAIT_MS = 10_000  # at most: the desks' own once-a-second look, on a busy test machine


class FrontDesk:
    """The other app process, answering one line per command."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, HOME_ENV: str(home), "QT_QPA_PLATFORM": "offscreen",
               "PYTHON_KEYRING_BACKEND": "tests.keyrings.MemoryKeyring"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.sharing.desk_process"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def quit(self) -> None:
        if self.process.poll() is None:
            self.ask("quit")
            self.process.wait(timeout=30)


@pytest.fixture
def front_desk(tmp_path: Path) -> Iterator[FrontDesk]:
    desk = FrontDesk(tmp_path / "front-desk")
    try:
        yield desk
    finally:
        desk.quit()
        if desk.process.poll() is None:
            desk.process.kill()  # (the process this test started, by its handle)
        for pipe in (desk.process.stdin, desk.process.stdout):
            if pipe is not None:
                pipe.close()
        desk.process.wait(timeout=30)


def _waiting() -> QProgressDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)
                 and w.isVisible() and w.windowTitle() == "Waiting for the shared database"),
                None)


def test_two_app_processes_share_one_shop(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, pg_cluster: Cluster,
        front_desk: FrontDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_setup, "this_computers_address", lambda: "127.0.0.1")
    monkeypatch.setenv("PGHOST", str(pg_cluster.folder))
    monkeypatch.setenv("PGPORT", str(pg_cluster.port))
    monkeypatch.setattr(operations, "RETRY_EVERY_MS", 50)
    margo = CustomerService(db).create(CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0123")]), owner).id
    users = UserService(db)
    rita = users.add(RITA, Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD).as_actor()
    users.change_password(FIRST_PASSWORD, RITAS_PASSWORD, rita)

    # This desk shares the shop (File → Share this shop…'s service) and opens it there.
    sharing = SharingService(db, app_home)
    shared = sharing.set_up_server(owner, name="crm_procs")
    sharing.share(owner, shared)
    here = Database(shared_url(app_home) or "")
    window: MainWindow = build_main_window(here, owner, open_ui_state(app_home), app_home)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.other_desks is not None and window.other_desks.listening)
    window.customers.open_customer(margo)
    timeline = window.customers.timeline_model
    before = timeline.rowCount()

    # The front desk connects with the code and the password, and Rita signs in there.
    answer = front_desk.ask(f"connect {connection_code(shared.link)} {shared.password}")
    assert answer.startswith("connected postgresql+psycopg://crm_procs:***@127.0.0.1"), answer

    # A call logged there shows on the profile open here, by the desk's own timer.
    assert front_desk.ask(f"log-call {margo} Wants the oak bowl in blue") == "logged"
    logged = time.monotonic()
    qtbot.waitUntil(lambda: timeline.rowCount() == before + 1, timeout=WAIT_MS)
    # (A figure, not a test: timings belong in benches. Seen with pytest -s.)
    print(f"the call showed at the other desk {time.monotonic() - logged:.2f} s after it "
          "was saved")
    titles = [timeline.index(r, 2).data() for r in range(timeline.rowCount())]
    assert "Wants the oak bowl in blue" in titles
    assert window.statusBar().currentMessage() == (
        "Rita Reception logged a call with Margo Delacroix.")

    # Both change Margo's phone: this desk, saving second, sees both side by side.
    form = window.customers.edit_customer(margo)
    assert form is not None
    form._contacts[0].value.setText("+1 201 555 0777")
    assert front_desk.ask(f"change-phone {margo} +1 201 555 0199") == "saved"
    seen: list[dict[str, str]] = []

    def back_to_my_form(dialog: ConflictDialog) -> int:
        seen.append({label.objectName(): label.text() for label in dialog.findChildren(QLabel)
                     if label.objectName().startswith("contacts_")})
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ConflictDialog, "exec", back_to_my_form)
    form.save()
    assert seen == [{"contacts_base": "(201) 555-0123", "contacts_mine": "+1 201 555 0777",
                     "contacts_theirs": "(201) 555-0199"}]
    assert form.isVisible() and form._contacts[0].value.text() == "+1 201 555 0777"

    # The server stops and starts again while this desk saves: the save waits, nothing typed
    # is lost, and once back the side-by-side choice (keep mine) saves it.
    pg_cluster.stop()

    def back_when_seen() -> None:
        if _waiting() is None:
            QTimer.singleShot(20, back_when_seen)
            return
        pg_cluster.start()

    QTimer.singleShot(0, back_when_seen)
    monkeypatch.setattr(ConflictDialog, "exec", lambda _dialog: QDialog.DialogCode.Accepted)
    form.save()
    assert form.saved is not None
    assert [c.value for c in CustomerService(here).get(margo).contacts] == ["(201) 555-0777"]
    window.close()
    here.dispose()
