"""Screenshot the main window (customer list, a profile, labels, queries, the tally, each
report, backups) for the README and for review.

    CRM_DESKTOP_HOME=/tmp/demo python scripts/screenshot.py OUT_DIR

Uses the database of CRM_DESKTOP_HOME (fill it first with ``crm-desktop demo-data``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from crm_desktop.gui.app import (
    backup_service,
    build_main_window,
    show_backup_window,
)
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.gui.starting import application
from crm_desktop.paths import app_paths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.queries.query_service import QueryScope
from crm_desktop.storage.database import Database


def settle() -> None:
    """Let posted layout requests run (a profile's boxes are laid out in two passes), and a
    PDF preview render its pages (on a thread of its own), so the picture is what a person
    sees, not a half-done layout."""
    for _ in range(3):
        QApplication.processEvents()
    QThread.msleep(300)
    QApplication.processEvents()


def shoot_post(window: MainWindow, out_dir: Path) -> None:
    """Labels for the customers the list shows, the first sheet partly used; envelopes; a
    letter."""
    window.customers.show_list()
    post = window.mailing.open_post(window.customers.list_page.chosen_filters(), [])
    if post is None:
        return
    post.start_at.setValue(5)
    for kind in ("labels", "envelopes", "letters"):
        if kind != "labels":
            post.choose_kind(kind)
        while post.pending:
            window.background.wait()
        settle()
        post.grab().save(str(out_dir / f"{kind}.png"))
    post.close()


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = app_paths().ensure()
    application()
    database = Database(paths.default_database_url())
    users = UserService(database).list_active()
    actor = next((u for u in users if u.role == "owner"), users[0]).as_actor()
    window = build_main_window(database, actor, open_ui_state(paths))
    window.resize(1280, 760)
    window.show()
    settle()
    window.grab().save(str(out_dir / "today.png"))  # the start page
    window.customers.show_list()
    settle()
    window.grab().save(str(out_dir / "customer-list.png"))
    page = window.customers.list_page
    page.search.setText(sys.argv[2] if len(sys.argv) > 2 else "mar")  # searched on a worker
    while page.search_pending:
        window.background.wait()
    settle()
    window.grab().save(str(out_dir / "customer-search.png"))
    customer_id = window.customers.list_model.customer_id(0)
    if customer_id is not None:
        window.customers.open_customer(customer_id)
        settle()
        window.grab().save(str(out_dir / "customer-profile.png"))
        consent = window.customers.edit_consent(customer_id)
        if consent is not None:
            settle()
            consent.grab().save(str(out_dir / "consent.png"))
            consent.reject()
    shoot_post(window, out_dir)
    window.queries.page.scope_buttons[QueryScope.EVERYONE].setChecked(True)
    window.queries.show_queries()
    settle()
    window.grab().save(str(out_dir / "queries.png"))
    window.feedback.show_tally()
    settle()
    window.grab().save(str(out_dir / "tally.png"))
    for key in ("sales", "owed", "follow_ups", "queries", "feedback", "customers", "at_risk"):
        window.reports.show_reports(key)
        window.background.wait()
        settle()
        window.grab().save(str(out_dir / f"reports-{key}.png"))
    review = window.customers.review_retention()
    window.background.wait()
    settle()
    review.grab().save(str(out_dir / "retention-review.png"))
    review.close()
    backups = window.backups.show_backups()
    if backups is not None:
        settle()
        backups.grab().save(str(out_dir / "backups.png"))
        settings = backups.edit_settings()
        settle()
        settings.grab().save(str(out_dir / "backup-settings.png"))
        settings.reject()
        backups.reject()
    newest = backup_service(database, paths).newest()
    if newest is not None:  # the newest backup, looked inside, beside the shop
        view = backup_service(database, paths).open_read_only(newest.path, actor)
        inside = show_backup_window(window, view, ui_state=open_ui_state(paths),
                                    paths=paths)
        if inside is not None:
            inside.resize(1280, 760)
            if customer_id is not None:
                inside.customers.open_customer(customer_id)
            settle()
            inside.grab().save(str(out_dir / "look-inside.png"))
            inside.close()
    window.close()
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
