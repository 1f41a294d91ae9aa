"""Session hooks that stamp tracked rows and write the audit trail in the same transaction.

Putting this in the flush, rather than in each service, means no write can forget it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ColumnProperty, Session, UOWTransaction, sessionmaker

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.models import AuditAction, AuditEntry, Customer, Tracked
from crm_desktop.models.base import table_of

# Bookkeeping columns that change on every write and say nothing on their own.
# (A sign-in's time is its own entry: the SIGN_IN event.)
QUIET_COLUMNS = frozenset({"version", "updated_at", "updated_by_id", "created_at",
                           "created_by_id", "last_sign_in_at"})
# Never written into the trail (which backups and the shop archive carry): it would let
# anyone who reads them try the passwords offline.
_SECRETS = frozenset({"password_hash"})


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if not isinstance(actor, Actor):
        raise RuntimeError("writes go through Database.transaction(actor); this session has none")
    return actor


def _customer_of(obj: Any) -> int | None:
    """The customer a row belongs to: a customer itself, or a row with a ``customer_id``."""
    value = obj.id if isinstance(obj, Customer) else getattr(obj, "customer_id", None)
    return value if isinstance(value, int) else None


def record_event(session: Session, action: AuditAction, user_id: int | None,
                 at: datetime, *, entity: str = "users", **details: Any) -> None:
    """An entry for something that changed no row of its own: a sign-in, a failed one, a
    restore (``entity`` "shop")."""
    session.connection().execute(table_of(AuditEntry).insert(), [{
        "at": at, "user_id": user_id, "action": action, "entity": entity,
        "entity_id": user_id if entity == "users" else None, "customer_id": None,
        "changes": json.dumps(details, ensure_ascii=False, sort_keys=True)}])


def _column_changes(obj: Any, *, new: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in QUIET_COLUMNS or key in _SECRETS or not isinstance(attr, ColumnProperty):
            continue
        history = state.attrs[key].history
        if new:
            value = getattr(obj, key)
            if value is not None:
                changes[key] = jsonable(value)
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            now = history.added[0] if history.added else None
            changes[key] = [jsonable(old), jsonable(now)]
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue  # one-to-many children are audited as rows of their own
        history = state.attrs[rel.key].history
        if history.has_changes():
            changes[rel.key] = {
                "added": [str(getattr(o, "name", o)) for o in history.added],
                "removed": [str(getattr(o, "name", o)) for o in history.deleted],
            }
    return changes


def install_audit_hooks(sessions: sessionmaker[Session], clock: Clock) -> None:
    @event.listens_for(sessions, "before_flush")
    def _stamp(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
        if not (session.new or session.dirty or session.deleted):
            return
        if session.info.get("read_only"):
            raise RuntimeError("attempted to write inside Database.read()")
        actor = _actor(session)
        now = clock()
        for obj in session.new:
            if isinstance(obj, Tracked):
                obj.created_at = obj.updated_at = now
                obj.created_by_id = obj.updated_by_id = actor.user_id
        for obj in session.dirty:
            if isinstance(obj, Tracked) and session.is_modified(obj, include_collections=False):
                obj.updated_at = now
                obj.updated_by_id = actor.user_id

    @event.listens_for(sessions, "after_flush")
    def _audit(session: Session, _flush: UOWTransaction) -> None:
        rows: list[dict[str, Any]] = []
        actor = session.info.get("actor")
        user_id = actor.user_id if isinstance(actor, Actor) else None
        now = clock()
        groups = (
            (AuditAction.CREATE, session.new),
            (AuditAction.UPDATE, session.dirty),
            (AuditAction.DELETE, session.deleted),
        )
        for action, objects in groups:
            for obj in objects:
                if not isinstance(obj, Tracked):
                    continue
                if action is AuditAction.UPDATE and not session.is_modified(obj):
                    continue
                changes = (
                    {} if action is AuditAction.DELETE
                    else _column_changes(obj, new=action is AuditAction.CREATE)
                )
                if action is AuditAction.UPDATE and not changes:
                    continue
                identity = inspect(obj).mapper.primary_key_from_instance(obj)
                key = identity[0] if identity else None
                entity_id = key if isinstance(key, int) else None
                if key is not None and entity_id is None:
                    changes = {"key": str(key), **changes}  # text keys, e.g. settings
                rows.append(
                    {
                        "at": now,
                        "user_id": user_id,
                        "action": action,
                        "entity": type(obj).__tablename__,  # type: ignore[attr-defined]
                        "entity_id": entity_id,
                        "customer_id": _customer_of(obj),
                        "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
                    }
                )
        if rows:
            session.connection().execute(table_of(AuditEntry).insert(), rows)
