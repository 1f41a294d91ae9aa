"""The front desk, in a process of its own, for tests/ui/sharing/test_two_processes.py.

It reads one command a line on stdin and answers one line on stdout:

- ``connect CODE PASSWORD`` — connect this desk with the code (File → Connect…'s service),
  then sign Rita in with her password and open the main window on the shared shop;
- ``log-call CUSTOMER_ID SUMMARY`` — log a call through the window's dialog;
- ``change-phone CUSTOMER_ID NUMBER`` — change the first phone in the customer's form;
- ``quit``.

Its folders come from CRM_DESKTOP_HOME and its keyring from PYTHON_KEYRING_BACKEND, as the
test sets them.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.paths import app_paths
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.storage.database import Database
from crm_desktop.storage.shared_shop import shared_url

RITA, RITAS_PASSWORD = "Rita Reception", "rita's own long secret"


def _reply(text: str) -> None:
    print(text, flush=True)


def main() -> int:
    app = QApplication(sys.argv)
    paths = app_paths().ensure()
    window: MainWindow | None = None
    for line in sys.stdin:
        command, _, rest = line.rstrip("\n").partition(" ")
        try:
            if command == "connect":
                code, password = rest.split(" ", 1)
                SharingService.connect(paths, code, password)
                database = Database(shared_url(paths) or "")
                rita = UserService(database).sign_in(RITA, RITAS_PASSWORD).as_actor()
                window = build_main_window(database, rita, open_ui_state(paths), paths)
                window.show()
                app.processEvents()
                _reply(f"connected {database.describe()}")
            elif command == "log-call" and window is not None:
                customer, summary = rest.split(" ", 1)
                dialog = window.customers.log_contact(int(customer))
                dialog.summary.setText(summary)
                dialog.save()
                app.processEvents()
                _reply("logged")
            elif command == "change-phone" and window is not None:
                customer, number = rest.split(" ", 1)
                form = window.customers.edit_customer(int(customer))
                assert form is not None
                form._contacts[0].value.setText(number)
                form.save()
                app.processEvents()
                _reply("saved" if form.saved is not None else "not saved")
            elif command == "quit":
                break
            else:
                _reply(f"unknown {command}")
        except Exception as exc:  # said to the test, which fails with it
            _reply(f"error {exc!r}")
    if window is not None:
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
