"""Sharing the shop from the computer that holds it, and connecting the other desk: on a
PostgreSQL server of the test's own, set up as ``server setup`` sets one up."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_desktop.actor import Actor
from crm_desktop.errors import LinkRefusedError, PermissionDeniedError, ValidationError
from crm_desktop.models import AuditEntry, Customer
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.sharing_service import SharingService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage import server_setup
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from crm_desktop.storage.shared_shop import (
    SharedShopError,
    connection_code,
    saved_link,
    shared_url,
)
from tests.clusters import Cluster


@pytest.fixture(autouse=True)
def on_this_computer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desks are both on this computer: the server is reached at 127.0.0.1."""
    monkeypatch.setattr(server_setup, "this_computers_address", lambda: "127.0.0.1")


def _set_up(pg_cluster: Cluster, name: str) -> server_setup.SharedDatabase:
    return server_setup.set_up(pg_cluster.admin, name=name, subnet="127.0.0.0/8")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_owner_shares_the_shop_and_this_desk_then_opens_it_on_the_server(
        db: Database, owner: Actor, app_home: AppPaths, pg_cluster: Cluster) -> None:
    for first in ("Margo", "Jim", "Alecia"):
        CustomerService(db).create(CustomerInput(first_name=first, last_name="Hall"), owner)
    sharing = SharingService(db, app_home)
    steps: list[str] = []
    shared = sharing.set_up_server(owner, admin=pg_cluster.admin, step=steps.append)
    assert shared.link.host == "127.0.0.1" and steps
    file = app_home.database_file
    db.dispose()
    before = _digest(file)
    seen: list[tuple[int, int]] = []
    done = sharing.share(owner, shared, progress=lambda n, total: seen.append((n, total)))
    assert done.report.rows == seen[-1][0] == seen[-1][1] > 3
    assert done.kept_file == file and _digest(file) == before  # kept as it was
    assert saved_link(app_home) == shared.link == sharing.shared_link
    url = shared_url(app_home)
    assert url is not None
    moved = Database(url)
    try:
        with moved.read() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == 3
            event = session.scalars(select(AuditEntry).where(AuditEntry.entity == "shop")).one()
            assert str(file) in event.changes and event.user_id == owner.user_id
    finally:
        moved.dispose()


def test_the_other_desk_connects_with_the_code_and_the_password(
        db: Database, owner: Actor, tmp_path: Path, app_home: AppPaths,
        pg_cluster: Cluster, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sharing = SharingService(db, app_home)
    shared = sharing.set_up_server(owner, admin=pg_cluster.admin, name="shop_two")
    code = connection_code(shared.link)
    front_desk = AppPaths(tmp_path / "fd" / "data", tmp_path / "fd" / "config",
                          tmp_path / "fd" / "log").ensure()
    with pytest.raises(SharedShopError, match="holds no shop yet"):
        SharingService.connect(front_desk, code, shared.password)
    assert saved_link(front_desk) is None  # nothing kept of a connection that did not work
    sharing.share(owner, shared)
    with pytest.raises(ValidationError) as wrong:
        SharingService.connect(front_desk, code, "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert wrong.value.field == "password" and saved_link(front_desk) is None
    with pytest.raises(ValidationError) as empty:
        SharingService.connect(front_desk, code, "  ")
    assert empty.value.field == "password"
    link = SharingService.connect(front_desk, code.lower(), f" {shared.password} ")
    assert link == shared.link and shared_url(front_desk) is not None
    SharingService.leave(front_desk)
    assert saved_link(front_desk) is None
    # No secret in the log, nor in any file either desk keeps.
    assert shared.password not in caplog.text
    for folder in (app_home.config_dir, front_desk.config_dir):
        for file in folder.rglob("*"):
            assert not file.is_file() or shared.password.encode() not in file.read_bytes()


def test_what_a_terminal_run_printed_is_checked_before_it_is_used(
        db: Database, owner: Actor, app_home: AppPaths, pg_cluster: Cluster) -> None:
    shared = _set_up(pg_cluster, "shop_terminal")
    taken = SharingService.from_terminal(connection_code(shared.link), shared.password)
    assert taken.link == shared.link and taken.password == shared.password
    done = SharingService(db, app_home).share(owner, taken)
    assert done.report.rows > 0


def test_only_the_owner_may_share_and_nothing_is_kept_when_refused(
        db: Database, receptionist: Actor, app_home: AppPaths) -> None:
    with pytest.raises(PermissionDeniedError):
        SharingService(db, app_home).set_up_server(receptionist, admin="host=/nonexistent")
    assert saved_link(app_home) is None


def test_a_server_that_shows_another_certificate_later_is_refused_not_trusted(
        db: Database, owner: Actor, app_home: AppPaths, pg_cluster: Cluster) -> None:
    sharing = SharingService(db, app_home)
    shared = sharing.set_up_server(owner, admin=pg_cluster.admin, name="shop_cert")
    sharing.share(owner, shared)
    # The server gets a new certificate (set up again from scratch, or someone else's).
    for old in pg_cluster.folder.glob(f"{server_setup.CERTIFICATE_NAME}.*"):
        old.unlink()
    renewed = server_setup.set_up(pg_cluster.admin, name="shop_cert", subnet="127.0.0.0/8")
    assert renewed.link.fingerprint != shared.link.fingerprint
    desk = Database(shared_url(app_home) or "")
    try:
        with pytest.raises(LinkRefusedError, match="another certificate than the one this"):
            upgrade(desk)
    finally:
        desk.dispose()
