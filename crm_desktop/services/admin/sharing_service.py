"""Two desks, one shop: the shop shared from the computer that holds it, and another desk
connected to it.

- **Share** (the owner, on the computer that holds the data): the PostgreSQL server on this
  computer is set up (``storage/server_setup.py``), or, when that needs its administrator,
  the code and password a terminal run printed are taken instead; the shop's data is moved
  in and checked row by row (``storage/move_shop.py``); the SQLite file stays where it was,
  untouched, as a backup of the shop as it was; and this desk works on the shared database
  from its next start.
- **Connect** (the other desk): the code is read, the server's certificate fetched and
  checked against it before the password goes anywhere, the password tried, the database
  checked to hold a shop this version can open; then the desk keeps the link.

Nothing is kept until the whole of it has worked: a desk is never left pointing at half a
shop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import AuditAction
from crm_desktop.paths import AppPaths
from crm_desktop.permissions import Permission
from crm_desktop.storage.audit import record_event
from crm_desktop.storage.database import Database
from crm_desktop.storage.move_shop import MoveReport, move_shop
from crm_desktop.storage.schema import check_not_newer, current_revision
from crm_desktop.storage.server_setup import SharedDatabase, set_up
from crm_desktop.storage.shared_shop import (
    SharedShopError,
    ShopLink,
    certificate_file,
    checked_certificate,
    forget_link,
    keep_link,
    pem,
    read_code,
    saved_link,
)

log = logging.getLogger(__name__)
Step = Callable[[str], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ShopShared:
    link: ShopLink
    password: str
    report: MoveReport
    kept_file: Path | None  # the SQLite file, as it was: a backup of the shop


class SharingService:
    def __init__(self, database: Database, paths: AppPaths) -> None:
        self._db = database
        self._paths = paths

    @property
    def shared_link(self) -> ShopLink | None:
        """The shared shop this desk works on (None: the shop on this computer)."""
        return saved_link(self._paths)

    def check_may_share(self, actor: Actor) -> None:
        """Refused (PermissionDeniedError) unless the person, as the database holds them now,
        is the owner."""
        with self._db.read(actor, Permission.SHARE_SHOP):
            pass

    def _check_can_move(self, actor: Actor) -> None:
        self.check_may_share(actor)
        if not self._db.is_sqlite or self._db.sqlite_file is None:
            raise SharedShopError("This desk already works on a shared database: there is "
                                  "nothing to move. Give the other desk the code from the "
                                  "computer that holds it.")

    def set_up_server(self, actor: Actor, *, admin: str | None = None, name: str = "crm",
                      step: Step = lambda _text: None) -> SharedDatabase:
        self._check_can_move(actor)
        return set_up(admin, name=name, step=step)

    @staticmethod
    def from_terminal(code: str, password: str) -> SharedDatabase:
        """What ``crm-desktop server setup`` printed in a terminal, checked: the server is
        there and shows the certificate the code names."""
        link = read_code(code)
        _check_password_given(password)
        certificate = checked_certificate(link)
        whole = link.pinned(certificate)
        return SharedDatabase(whole, password.strip(), subnet="", restarted=False)

    def share(self, actor: Actor, shared: SharedDatabase, *,
              progress: Progress | None = None) -> ShopShared:
        """Move the shop into the shared database, check it, and keep the link: from the
        next start this desk works there."""
        self._check_can_move(actor)
        link, password = shared.link, shared.password.strip()
        certificate = checked_certificate(link)
        target = _open(self._paths, link, password, certificate)
        try:
            report = move_shop(self._db, target, progress=progress)
            with target.transaction(actor, Permission.SHARE_SHOP) as session:
                record_event(session, AuditAction.UPDATE, actor.user_id, target.clock(),
                             entity="shop", moved_here_from=str(self._db.sqlite_file),
                             rows_checked=report.rows)
        finally:
            target.dispose()
        keep_link(self._paths, link, certificate, password)
        log.info("shop moved to %s:%s/%s (%d rows checked)", link.host, link.port,
                 link.database, report.rows)
        kept = self._db.sqlite_file
        return ShopShared(link, password, report, Path(kept) if kept else None)

    @staticmethod
    def connect(paths: AppPaths, code: str, password: str) -> ShopLink:
        """Join the shared shop the code names; kept only once everything checked out."""
        link = read_code(code)
        _check_password_given(password)
        certificate = checked_certificate(link)
        target = _open(paths, link, password.strip(), certificate)
        try:
            if check_not_newer(target) is None:
                raise SharedShopError(
                    "The shared database is there but holds no shop yet. On the computer "
                    "that holds the shop's data, choose File → Share this shop with another "
                    "desk… to move it in, then connect again.")
        finally:
            target.dispose()
        keep_link(paths, link, certificate, password.strip())
        return saved_link(paths) or link

    @staticmethod
    def leave(paths: AppPaths) -> None:
        """This desk works on the shop in its own file again (as it was when shared)."""
        forget_link(paths)


def _check_password_given(password: str) -> None:
    if not password.strip():
        raise ValidationError.single(
            "password", "Type the shop's database password, shown with the code.")


def _open(paths: AppPaths, link: ShopLink, password: str, certificate: bytes) -> Database:
    """The shared database, connected as a desk connects (its certificate checked), with a
    wrong password said at the password field."""
    certificate_file(paths).parent.mkdir(parents=True, exist_ok=True)
    certificate_file(paths).write_text(pem(certificate), encoding="ascii")
    target = Database(link.url(password, certificate_file(paths)))
    try:
        with target.translate_errors():
            current_revision(target)  # connects
    except Exception as exc:
        target.dispose()
        if "password authentication failed" in f"{exc} {exc.__cause__}":
            raise ValidationError.single(
                "password", "That is not the shop's database password. Type it as the "
                            "computer that holds the shop showed it.") from exc
        raise
    return target
