"""A shared shop's reading copy: written with every backup at a desk on PostgreSQL, checked
row for row, and opened read only when the server cannot be reached, by someone who signs in
with their password and leaves nothing written."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from crm_desktop.actor import Actor
from crm_desktop.errors import SignInError
from crm_desktop.models import AuditEntry, Customer
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.backup_service import BackupService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from tests.passwords import OWNER_PASSWORD

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(any_db: Database) -> Database:
    if any_db.is_sqlite:
        pytest.skip("a reading copy is of a shared shop (PostgreSQL)")
    return any_db


def test_every_backup_of_a_shared_shop_leaves_a_reading_copy_this_desk_opens_alone(
        shared: Database, any_owner: Actor, app_home: AppPaths) -> None:
    for first in ("Margo", "Jim", "Alecia"):
        CustomerService(shared).create(CustomerInput(first_name=first, last_name="Hall"),
                                       any_owner)
    backups = BackupService(shared, app_home.backup_dir, app_home.backup_settings_file)
    assert backups.open_reading_copy() is None  # none before the first backup
    backups.back_up(any_owner)
    assert backups.reading_copy.is_file()
    assert not list(app_home.backup_dir.glob("*.partial"))
    written = backups.reading_copy.stat().st_mtime_ns
    backups.back_up(any_owner, reason="on-quit")  # a fresh copy is there: not written again
    assert backups.reading_copy.stat().st_mtime_ns == written
    view = backups.open_reading_copy()
    assert view is not None and view.info.customers == 3
    try:
        copy = view.database
        assert copy.read_only
        before = hashlib.sha256(backups.reading_copy.read_bytes()).hexdigest()
        with copy.read() as session:
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
        # Found as at the desk, and signed into with the shop's own passwords.
        found = CustomerListService(copy).search(CustomerFilter(text="marg"))
        with copy.read() as session:
            assert [session.get(Customer, i).first_name for i in found] == ["Margo"]
        users = UserService(copy)
        assert users.sign_in("Olivia Owner", OWNER_PASSWORD).display_name == "Olivia Owner"
        with pytest.raises(SignInError):
            users.sign_in("Olivia Owner", "not her password")
        with copy.read() as session:  # nothing written, not even a sign-in
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
        assert hashlib.sha256(backups.reading_copy.read_bytes()).hexdigest() == before
    finally:
        view.close()
    assert backups.reading_copy.is_file()  # kept for the next time; the next one replaces it
