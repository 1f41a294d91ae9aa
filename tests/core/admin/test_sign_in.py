"""Passwords and signing in: Argon2id at OWASP's level or above, re-hashed when the level
rises, first passwords to be changed, tries that slow down, all on the audit trail, and no
password anywhere it could be read back."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters, profiles
from sqlalchemy import select

from crm_desktop import passwords
from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import PermissionDeniedError, SignInError, ValidationError
from crm_desktop.models import AuditAction, AuditEntry, Role, User
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.audit_service import AuditFilter, AuditKind, AuditService
from crm_desktop.services.admin.user_service import NO_MATCH, UserService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.shop_archive import ShopArchiveService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD, OWNER_PASSWORD


def test_the_real_hashes_are_argon2id_at_owasps_level_or_above() -> None:
    # The suite swaps in a cheap hasher (conftest); the app's own is the module's default.
    real = PasswordHasher()
    assert real.type is Type.ID
    assert real.memory_cost >= passwords.OWASP_MIN_MEMORY_KIB
    assert real.time_cost >= passwords.OWASP_MIN_TIME_COST
    assert real.parallelism >= 1
    stored = passwords._hasher
    passwords.use_hasher(real)
    try:
        hashed = passwords.hash_password("a long enough secret")
    finally:
        passwords.use_hasher(stored)
    params = extract_parameters(hashed)
    assert (params.type, params.memory_cost, params.time_cost) == (
        Type.ID, real.memory_cost, real.time_cost)


def test_sign_in_with_the_right_password_only(any_db: Database, any_owner: Actor) -> None:
    users = UserService(any_db)
    assert users.sign_in("Olivia Owner", OWNER_PASSWORD).id == any_owner.user_id
    assert users.sign_in("olivia.owner", OWNER_PASSWORD).id == any_owner.user_id
    with pytest.raises(SignInError) as wrong:
        users.sign_in("Olivia Owner", OWNER_PASSWORD.upper())
    with pytest.raises(SignInError) as unknown:
        users.sign_in("Nobody Here", OWNER_PASSWORD)
    # The same words whichever of the two was wrong.
    assert wrong.value.message == unknown.value.message == NO_MATCH
    for hostile in ("\x00", "\ud800", "x" * 100_000, ""):
        with pytest.raises(SignInError):
            users.sign_in(hostile, hostile)


def test_a_switched_off_person_cannot_sign_in(db: Database, owner: Actor,
                                              receptionist: Actor) -> None:
    users = UserService(db)
    assert users.sign_in("Rita Reception", FIRST_PASSWORD).must_change_password
    users.set_active(receptionist.user_id or 0, False, owner)
    with pytest.raises(SignInError, match="do not match"):
        users.sign_in("Rita Reception", FIRST_PASSWORD)


def test_failed_tries_slow_down_and_are_on_the_trail(any_db: Database, any_owner: Actor,
                                                     clock: FakeClock) -> None:
    users = UserService(any_db)
    for _ in range(3):  # three typos are free
        with pytest.raises(SignInError) as refused:
            users.sign_in("Olivia Owner", "not it at all")
        assert refused.value.wait_seconds == 0
    with pytest.raises(SignInError) as waiting:
        users.sign_in("Olivia Owner", OWNER_PASSWORD)  # even the right one must wait now
    assert waiting.value.wait_seconds == 2
    assert "Wait 2 seconds" in waiting.value.message
    clock.advance(seconds=2)
    with pytest.raises(SignInError) as refused:
        users.sign_in("Olivia Owner", "still not it")
    assert refused.value.wait_seconds == 0
    with pytest.raises(SignInError) as waiting:
        users.sign_in("Olivia Owner", OWNER_PASSWORD)
    assert waiting.value.wait_seconds == 4  # longer each time
    clock.advance(seconds=4)
    assert users.sign_in("Olivia Owner", OWNER_PASSWORD).id == any_owner.user_id
    with pytest.raises(SignInError) as after_success:
        users.sign_in("Olivia Owner", "a fresh typo")
    assert after_success.value.wait_seconds == 0  # a success starts the count again
    # An unknown name earns the same delay, so the delay does not tell who exists.
    for _ in range(3):
        with pytest.raises(SignInError):
            users.sign_in("Mallory", "guess")
    with pytest.raises(SignInError) as stranger:
        users.sign_in("Mallory", "guess")
    assert stranger.value.wait_seconds == 2
    with any_db.read() as session:
        actions = [(e.action, e.user_id) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "users").order_by(AuditEntry.id))
            if e.action in (AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED)]
    owner_id = any_owner.user_id
    # Tries refused for coming too soon are not tries: they are not counted or recorded.
    assert actions == [(AuditAction.SIGN_IN_FAILED, owner_id)] * 4 + [
        (AuditAction.SIGN_IN, owner_id), (AuditAction.SIGN_IN_FAILED, owner_id)] + [
        (AuditAction.SIGN_IN_FAILED, None)] * 3
    log = AuditService(any_db)
    assert log.count(AuditFilter(kind=AuditKind.SIGN_INS), any_owner) == 9
    first = log.page(AuditFilter(kind=AuditKind.SIGN_INS), any_owner, limit=1)[0]
    assert first.what == "Failed sign-in" and first.who == "CRM Desktop"


def test_a_first_password_must_be_changed(any_db: Database, any_owner: Actor) -> None:
    users = UserService(any_db)
    rita = users.add("Rita Reception", Role.RECEPTIONIST, any_owner,
                     first_password=FIRST_PASSWORD)
    signed_in = users.sign_in("rita.reception", FIRST_PASSWORD)
    assert signed_in.must_change_password
    with pytest.raises(ValidationError) as wrong_current:
        users.change_password("not my password", "my very own secret", rita.as_actor())
    assert set(wrong_current.value.errors) == {"current_password"}
    with pytest.raises(ValidationError) as too_short:
        users.change_password(FIRST_PASSWORD, "short", rita.as_actor())
    assert set(too_short.value.errors) == {"new_password"}
    with pytest.raises(ValidationError, match="too easy"):
        users.change_password(FIRST_PASSWORD, "Rita Reception", rita.as_actor())
    changed = users.change_password(FIRST_PASSWORD, "my very own secret", rita.as_actor())
    assert not changed.must_change_password
    with pytest.raises(SignInError):
        users.sign_in("rita.reception", FIRST_PASSWORD)
    assert users.sign_in("Rita Reception", "my very own secret").id == rita.id
    # The owner resets it: a first password again.
    users.reset_password(rita.id, "another first one", any_owner)
    assert users.sign_in("Rita Reception", "another first one").must_change_password
    with pytest.raises(PermissionDeniedError):
        users.reset_password(any_owner.user_id or 0, "taking over now", rita.as_actor())


def test_a_stored_hash_is_strengthened_at_the_next_sign_in(db: Database, owner: Actor) -> None:
    with db.read() as session:
        before = session.get(User, owner.user_id).password_hash  # type: ignore[union-attr]
    stronger = PasswordHasher.from_parameters(profiles.CHEAPEST)
    stronger = PasswordHasher(time_cost=stronger.time_cost + 1,
                              memory_cost=stronger.memory_cost * 2,
                              parallelism=stronger.parallelism, hash_len=stronger.hash_len,
                              salt_len=stronger.salt_len)
    cheap = passwords.use_hasher(stronger)
    try:
        UserService(db).sign_in("Olivia Owner", OWNER_PASSWORD)
    finally:
        passwords.use_hasher(cheap)
    with db.read() as session:
        after = session.get(User, owner.user_id).password_hash  # type: ignore[union-attr]
    assert before and after and before != after
    assert extract_parameters(after).time_cost == stronger.time_cost
    passwords.use_hasher(stronger)
    try:
        assert UserService(db).sign_in("Olivia Owner", OWNER_PASSWORD).id == owner.user_id
    finally:
        passwords.use_hasher(cheap)


def test_an_upgraded_shop_without_passwords_lets_its_owner_choose_one(db: Database) -> None:
    with db.transaction(SYSTEM, None) as session:
        session.add_all([User(username="sam", display_name="Sam Owner", role=Role.OWNER),
                         User(username="rita", display_name="Rita", role=Role.RECEPTIONIST)])
    users = UserService(db)
    sam, rita = users.find("Sam Owner"), users.find("rita")
    assert sam is not None and rita is not None and not sam.has_password
    with pytest.raises(SignInError):
        users.sign_in("Sam Owner", "")  # no password is not a password
    with pytest.raises(PermissionDeniedError, match="Ask the owner"):
        users.set_first_password(rita.id, "rita's own secret")
    users.set_first_password(sam.id, "sam's own secret")
    assert users.sign_in("Sam Owner", "sam's own secret").id == sam.id
    with pytest.raises(PermissionDeniedError):
        users.set_first_password(sam.id, "someone else's now")


def test_the_shop_keeps_an_owner(db: Database, owner: Actor, receptionist: Actor) -> None:
    users = UserService(db)
    with pytest.raises(ValidationError, match="at least one owner"):
        users.set_role(owner.user_id or 0, Role.VIEWER, owner)
    users.set_role(receptionist.user_id or 0, Role.OWNER, owner)
    assert users.get(receptionist.user_id or 0).role is Role.OWNER
    users.set_role(owner.user_id or 0, Role.VIEWER, owner)
    assert users.get(owner.user_id or 0).role is Role.VIEWER
    # Now a viewer, Olivia can no longer manage anyone, whatever her session believed.
    with pytest.raises(PermissionDeniedError):
        users.set_role(owner.user_id or 0, Role.OWNER, owner)


def test_no_password_anywhere_it_could_be_read(db: Database, owner: Actor,
                                               app_home: AppPaths, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A known password, used every way the app allows, then looked for in the database
    file, the logs and every export."""
    secret = "Zebra-Quartz-7731 plum"
    caplog.set_level(logging.DEBUG)
    users = UserService(db)
    rita = users.add("Rita Reception", Role.RECEPTIONIST, owner, first_password=secret)
    users.sign_in("Rita Reception", secret)
    users.change_password(secret, secret + " two", rita.as_actor())
    for typo in (secret + "!", secret):  # one typed in the name field, one wrong
        with pytest.raises(SignInError):
            users.sign_in(typo, secret + "?")
    users.reset_password(rita.id, secret, owner)
    CustomerService(db).create(CustomerInput(first_name="Margo", contacts=[
        ContactInput("email", "margo@example.com")]), owner)
    csv_out = io.StringIO()
    ExportService(db).google_csv(csv_out, owner)
    archive = tmp_path / "shop.zip"
    ShopArchiveService(db).export(archive, owner)
    log_out = io.StringIO()
    AuditService(db).write_csv(log_out, AuditFilter(), owner)
    db.dispose()
    found: list[str] = []
    needles = [secret.encode(), secret.encode("utf-16-le")]
    folders = (app_home.data_dir, app_home.config_dir, app_home.log_dir, tmp_path)
    for path in [p for folder in folders for p in folder.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        if any(n in data for n in needles):
            found.append(str(path))
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            if secret.encode() in zipped.read(name) or b"$argon2" in zipped.read(name):
                found.append(f"archive:{name}")
        users_rows = [json.loads(line) for line in zipped.read(
            "tables/users.jsonl").splitlines()]
    assert all("password_hash" not in row for row in users_rows)
    for name, text in (("customers.csv", csv_out.getvalue()),
                       ("audit log.csv", log_out.getvalue())):
        if secret in text or "$argon2" in text:
            found.append(name)
    assert secret not in caplog.text and "$argon2" not in caplog.text
    assert found == []
