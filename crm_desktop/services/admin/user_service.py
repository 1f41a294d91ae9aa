"""The people who use the app: signing in, passwords, roles. The first start creates the
owner, with the password they choose."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import NotFoundError, PermissionDeniedError, SignInError, ValidationError
from crm_desktop.models import AuditAction, Role, SignInFailures, User
from crm_desktop.passwords import (
    clean_new_password,
    delay_after,
    hash_password,
    needs_rehash,
    verify,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import BusinessSettings, write_business_settings
from crm_desktop.services.queries.query_service import hand_over_open_queries
from crm_desktop.storage.audit import record_event
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_text, gather

NO_MATCH = "That name and password do not match. Check both and try again."


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    has_password: bool = True
    must_change_password: bool = False
    last_sign_in_at: datetime | None = None
    handed_over: int = 0  # open queries passed on when this person was switched off

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, display_name=self.display_name)


def _view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.active,
                    has_password=user.password_hash is not None,
                    must_change_password=user.must_change_password,
                    last_sign_in_at=user.last_sign_in_at)


def _username_for(display_name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", ".", display_name.casefold()).strip(".")
    return base or "user"


def _name_key(name: str) -> str:
    """A typed name as it is compared and counted: printable characters only (no NUL, no lone
    surrogate: neither can be a name, nor stored), spaces collapsed, any case."""
    printable = "".join(c if c.isprintable() else " " for c in name[:1000])
    return " ".join(printable.split()).casefold()[:120]


def _load(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} no longer exists.")
    return user


class UserService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def needs_first_run(self) -> bool:
        with self._db.read() as session:
            return not session.scalar(select(func.count()).select_from(User))

    def first_run(self, owner_name: str, shop_name: str, country: str, *, password: str,
                  address: str = "", bank_details: str = "", tax_id: str = "") -> UserView:
        """Create the owner, with the password they chose, and the shop's settings on a
        brand-new database; what invoices print about the shop (address, bank details, tax
        id) may be left for later."""
        errors: dict[str, str] = {}
        name = gather(errors, lambda: clean_text("owner_name", "Your name", owner_name,
                                                 max_length=120, required=True), "")
        username = _username_for(name)
        password = gather(errors, lambda: clean_new_password(
            "password", password, name=name, username=username), "")
        settings = replace(BusinessSettings.for_country(shop_name.strip(), country or "US"),
                           address=address, bank_details=bank_details, tax_id=tax_id)
        settings = gather(errors, settings.cleaned, settings)
        gather(errors, settings.validate, None)
        if errors:
            raise ValidationError(errors)
        if not self.needs_first_run():
            raise ValidationError.single("owner_name", "This shop is already set up.")
        hashed = hash_password(password)
        with self._db.transaction(SYSTEM, None) as session:
            owner = User(username=username, display_name=name, role=Role.OWNER,
                         password_hash=hashed, password_changed_at=self._db.clock())
            session.add(owner)
            write_business_settings(session, settings)
            session.flush()
            return _view(owner)

    def list_active(self) -> list[UserView]:
        with self._db.read() as session:
            users = session.scalars(
                select(User).where(User.active).order_by(User.display_name)
            ).all()
            return [_view(u) for u in users]

    def get(self, user_id: int) -> UserView:
        with self._db.read() as session:
            return _view(_load(session, user_id))

    def find(self, name: str) -> UserView | None:
        """The person called ``name`` (user name or full name, any case), or None."""
        with self._db.read() as session:
            user = self._named(session, name)
            return _view(user) if user is not None else None

    def list_all(self) -> list[UserView]:
        with self._db.read() as session:
            users = session.scalars(select(User).order_by(User.active.desc(),
                                                          User.display_name)).all()
            return [_view(u) for u in users]

    # ---- signing in ------------------------------------------------------------------------

    @staticmethod
    def _named(session: Session, name: str) -> User | None:
        key = _name_key(name)
        if not key:
            return None
        found = list(session.scalars(select(User).where(
            or_(func.lower(User.username) == key, func.lower(User.display_name) == key))
            .order_by(User.id)).all())
        exact = [u for u in found if u.username.casefold() == key]
        if exact:
            return exact[0]
        named = [u for u in found if _name_key(u.display_name) == key]
        return named[0] if len(named) == 1 else None

    def sign_in(self, name: str, password: str) -> UserView:
        """The person, once ``password`` is theirs; else a SignInError that does not tell
        which of the two was wrong. After three failed tries under one name, each further
        try must wait longer (2, 4, 8 … seconds); every failure is on the audit trail."""
        if not isinstance(name, str) or not isinstance(password, str):
            raise SignInError(NO_MATCH)
        key = _name_key(name)
        now = self._db.clock()
        with self._db.read() as session:
            failures = session.get(SignInFailures, key) if key else None
            user = self._named(session, name)
            stored = user.password_hash if user is not None and user.active else None
            user_id = user.id if user is not None else None
        if failures is not None:
            wait = failures.last_failure_at + delay_after(failures.failures) - now
            if wait.total_seconds() > 0:
                seconds = math.ceil(wait.total_seconds())
                raise SignInError(f"Too many tries. Wait {seconds} seconds, then try again.",
                                  wait_seconds=seconds)
        ok = len(password) <= 1024 and verify(stored, password)
        if self._db.read_only:  # a copy looked inside: who it is, and nothing written
            if not ok or user_id is None:
                raise SignInError(NO_MATCH)
            with self._db.read() as session:
                return _view(_load(session, user_id))
        new_hash = hash_password(password) if ok and stored and needs_rehash(stored) else None
        view: UserView | None = None
        with self._db.transaction(SYSTEM, None) as session:
            row = session.get(SignInFailures, key) if key else None
            if not ok:
                if key:
                    if row is None:
                        row = SignInFailures(name_key=key, failures=0, last_failure_at=now)
                        session.add(row)
                    row.failures += 1
                    row.last_failure_at = now
                # The typed name is not written: it may well be a password typed one field
                # too early. Only a known person's id is.
                record_event(session, AuditAction.SIGN_IN_FAILED, user_id, now)
            else:
                assert user_id is not None
                if row is not None:
                    session.delete(row)
                user = _load(session, user_id)
                if new_hash is not None:
                    user.password_hash = new_hash
                user.last_sign_in_at = now
                record_event(session, AuditAction.SIGN_IN, user_id, now)
                session.flush()
                view = _view(user)
        if view is None:
            raise SignInError(NO_MATCH)
        return view

    def set_first_password(self, user_id: int, password: str) -> UserView:
        """The owner of a shop upgraded from a version without passwords chooses theirs at
        the first sign-in. Only while no owner has a password: afterwards the owner gives
        everyone theirs."""
        with self._db.read() as session:
            user = _load(session, user_id)
            owners_with_password = session.scalar(select(func.count()).select_from(User).where(
                User.role == Role.OWNER, User.password_hash.is_not(None)))
            if user.role is not Role.OWNER or owners_with_password or not user.active:
                raise PermissionDeniedError("Ask the owner to give you a first password.")
            name, username = user.display_name, user.username
        hashed = hash_password(clean_new_password("password", password, name=name,
                                                  username=username))
        with self._db.transaction(SYSTEM, None) as session:
            user = _load(session, user_id)
            if user.password_hash is not None:
                raise PermissionDeniedError("A password is already set: sign in with it.")
            user.password_hash = hashed
            user.password_changed_at = user.last_sign_in_at = self._db.clock()
            session.flush()
            return _view(user)

    def change_password(self, current: str, new: str, actor: Actor) -> UserView:
        """Anyone changes their own password, by typing the current one first."""
        if actor.user_id is None:
            raise PermissionDeniedError("Sign in first.")
        me = self.get(actor.user_id)
        if current == new:
            raise ValidationError.single("new_password",
                                         "The new password must differ from the current one.")
        hashed = hash_password(clean_new_password("new_password", new, name=me.display_name,
                                                  username=me.username))
        with self._db.read() as session:
            stored = _load(session, me.id).password_hash
        if not verify(stored, current):
            raise ValidationError.single("current_password",
                                         "That is not your current password.")
        with self._db.transaction(actor, None) as session:
            user = _load(session, me.id)
            user.password_hash = hashed
            user.must_change_password = False
            user.password_changed_at = self._db.clock()
            session.flush()
            return _view(user)

    def reset_password(self, user_id: int, first_password: str, actor: Actor) -> UserView:
        """The owner gives someone a new first password, which they must change when they
        next sign in (the owner who has forgotten theirs uses ``crm-desktop users
        reset-password`` on the machine holding the database)."""
        person = self.get(user_id)
        hashed = hash_password(clean_new_password(
            "password", first_password, name=person.display_name, username=person.username))
        with self._db.transaction(actor, Permission.MANAGE_PEOPLE) as session:
            user = _load(session, user_id)
            user.password_hash = hashed
            # A first password, to be replaced by the person's own; except for oneself, and
            # for an owner who reset theirs on the machine holding the database.
            user.must_change_password = not (
                user_id == actor.user_id or (actor is SYSTEM and user.role is Role.OWNER))
            user.password_changed_at = self._db.clock()
            failures = session.get(SignInFailures, _name_key(user.username))
            if failures is not None:
                session.delete(failures)
            session.flush()
            return _view(user)

    # ---- managing people -------------------------------------------------------------------

    def set_active(self, user_id: int, active: bool, actor: Actor) -> UserView:
        """Someone who left keeps their name on the history but can no longer sign in; their
        open queries pass to the owner switching them off, so none is left without an owner."""
        with self._db.transaction(actor, Permission.MANAGE_PEOPLE) as session:
            if user_id == actor.user_id and not active:
                raise ValidationError.single("active",
                                             "You cannot switch off your own account.")
            user = _load(session, user_id)
            if not active and user.role is Role.OWNER:
                _keep_an_owner(session, user_id)
            user.active = active
            handed_over = 0
            taker = session.get(User, actor.user_id) if actor.user_id is not None else None
            if not active and taker is not None:
                handed_over = hand_over_open_queries(session, user, taker, actor,
                                                     self._db.clock())
            session.flush()
            return replace(_view(user), handed_over=handed_over)

    def set_role(self, user_id: int, role: Role, actor: Actor) -> UserView:
        if not isinstance(role, Role):
            raise ValidationError.single("role", "Choose a role from the list.")
        with self._db.transaction(actor, Permission.MANAGE_PEOPLE) as session:
            user = _load(session, user_id)
            if user.role is Role.OWNER and role is not Role.OWNER:
                _keep_an_owner(session, user_id)
            user.role = role
            session.flush()
            return _view(user)

    def add(self, display_name: str, role: Role, actor: Actor, *,
            first_password: str) -> UserView:
        """A new person, with a first password they must change when they first sign in."""
        name = clean_text("display_name", "Name", display_name, max_length=120, required=True)
        if not isinstance(role, Role):
            raise ValidationError.single("role", "Choose a role from the list.")
        hashed = hash_password(clean_new_password("password", first_password, name=name,
                                                  username=_username_for(name)))
        with self._db.transaction(actor, Permission.MANAGE_PEOPLE) as session:
            username = _username_for(name)
            taken = set(session.scalars(select(User.username).where(
                User.username.like(f"{username}%"))))
            suffix = 2
            candidate = username
            while candidate in taken:
                candidate = f"{username}{suffix}"
                suffix += 1
            user = User(username=candidate, display_name=name, role=role, password_hash=hashed,
                        must_change_password=True, password_changed_at=self._db.clock())
            session.add(user)
            session.flush()
            return _view(user)


def _keep_an_owner(session: Session, leaving_id: int) -> None:
    others = session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.OWNER, User.active, User.id != leaving_id))
    if not others:
        raise ValidationError.single("role", "The shop needs at least one owner who can "
                                             "sign in.")
