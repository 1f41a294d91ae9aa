"""Users and their roles. The first start creates the owner."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.models import Role, User
from crm_desktop.services.admin.settings_service import BusinessSettings, write_business_settings
from crm_desktop.services.queries.query_service import hand_over_open_queries
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_text, gather


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    handed_over: int = 0  # open queries passed on when this person was switched off

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, display_name=self.display_name, role=self.role)


def _view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.active)


def _username_for(display_name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", ".", display_name.casefold()).strip(".")
    return base or "user"


class UserService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def needs_first_run(self) -> bool:
        with self._db.read() as session:
            return not session.scalar(select(func.count()).select_from(User))

    def first_run(self, owner_name: str, shop_name: str, country: str, *, address: str = "",
                  bank_details: str = "", tax_id: str = "") -> UserView:
        """Create the owner and the shop's settings on a brand-new database; what invoices
        print about the shop (address, bank details, tax id) may be left for later."""
        errors: dict[str, str] = {}
        name = gather(errors, lambda: clean_text("owner_name", "Your name", owner_name,
                                                 max_length=120, required=True), "")
        settings = replace(BusinessSettings.for_country(shop_name.strip(), country or "US"),
                           address=address, bank_details=bank_details, tax_id=tax_id)
        settings = gather(errors, settings.cleaned, settings)
        gather(errors, settings.validate, None)
        if errors:
            raise ValidationError(errors)
        if not self.needs_first_run():
            raise ValidationError.single("owner_name", "This shop is already set up.")
        with self._db.transaction(SYSTEM) as session:
            owner = User(username=_username_for(name), display_name=name, role=Role.OWNER)
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
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError(f"User {user_id} no longer exists.")
            return _view(user)

    def list_all(self) -> list[UserView]:
        with self._db.read() as session:
            users = session.scalars(select(User).order_by(User.active.desc(),
                                                          User.display_name)).all()
            return [_view(u) for u in users]

    def set_active(self, user_id: int, active: bool, actor: Actor) -> UserView:
        """Someone who left keeps their name on the history but can no longer sign in; their
        open queries pass to the owner switching them off, so none is left without an owner."""
        actor.require_owner("change who can use the app")
        if user_id == actor.user_id and not active:
            raise ValidationError.single("active", "You cannot switch off your own account.")
        with self._db.transaction(actor) as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError(f"User {user_id} no longer exists.")
            # (The acting owner cannot switch themselves off, so an owner always remains.)
            user.active = active
            handed_over = 0
            taker = session.get(User, actor.user_id) if actor.user_id is not None else None
            if not active and taker is not None:
                handed_over = hand_over_open_queries(session, user, taker, actor,
                                                     self._db.clock())
            session.flush()
            return replace(_view(user), handed_over=handed_over)

    def add(self, display_name: str, role: Role, actor: Actor) -> UserView:
        actor.require_owner("add users")
        name = clean_text("display_name", "Name", display_name, max_length=120, required=True)
        with self._db.transaction(actor) as session:
            username = _username_for(name)
            taken = set(session.scalars(select(User.username).where(
                User.username.like(f"{username}%"))))
            suffix = 2
            candidate = username
            while candidate in taken:
                candidate = f"{username}{suffix}"
                suffix += 1
            user = User(username=candidate, display_name=name, role=role)
            session.add(user)
            session.flush()
            return _view(user)
