"""One way to run a user action: do it, route a failure to the right place, say what changed.

Every write the GUI makes goes through here (after Anki's ``aqt/operations``):

- ``attempt(parent, action, fields=...)`` runs a service call for the person. A refused input
  (``ValidationError``) is marked at the fields that caused it when the caller has a form;
  any other known error (``CrmError``: a conflict, a locked or read-only database…) becomes a
  plain message; anything else is a bug, logged and shown in the report dialog. Each of those
  gives ``None``; nothing is half-saved, because each service call is one transaction. When
  the shared database does not answer, the action is tried again every second for a while,
  with a visible message, and the form stays open if it never answers.
- ``Operations.run`` does that and then *announces what changed* (``Changes``) on one signal;
  ``Operations.dialog`` opens a dialog that saves through ``attempt`` and announces its
  changes when it is accepted.

Pages and views never call each other to refresh: each listens to ``Operations.changed`` and
refreshes itself when a kind it shows has changed. A change made at another desk (the shared
database) arrives through the same signal, with ``remote`` set.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from crm_desktop.errors import CrmError, ServerUnreachableError, ValidationError
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.gui.shared.field_errors import FieldErrors

if TYPE_CHECKING:
    from crm_desktop.storage.change_feed import SavedElsewhere

log = logging.getLogger(__name__)

T = TypeVar("T")
DialogT = TypeVar("DialogT", bound=QDialog)


class Change(enum.Flag):
    """The kinds of thing an action can change; a view refreshes for the kinds it shows."""

    CUSTOMERS = enum.auto()  # a customer's own record: names, contacts, tags, notes, trash
    HISTORY = enum.auto()  # entries on a customer's timeline (a call, a visit, a letter)
    FOLLOW_UPS = enum.auto()
    ORDERS = enum.auto()
    PRODUCTS = enum.auto()
    INVOICES = enum.auto()
    QUERIES = enum.auto()
    FEEDBACK = enum.auto()
    USERS = enum.auto()
    SETTINGS = enum.auto()


@dataclass(frozen=True)
class Changes:
    """What one action changed, and for which customers (``None``: any of them)."""

    what: Change
    customer_ids: frozenset[int] | None = None
    remote: bool = False  # made at another desk
    saved: tuple[SavedElsewhere, ...] = ()  # (remote) what the other desk wrote, entry by entry

    @classmethod
    def of(cls, what: Change, customer_ids: Iterable[int] | None = None) -> Changes:
        return cls(what, None if customer_ids is None else frozenset(customer_ids))

    def touches(self, kinds: Change) -> bool:
        return bool(self.what & kinds)

    def concerns(self, customer_id: int) -> bool:
        return self.customer_ids is None or customer_id in self.customer_ids


def attempt(parent: QWidget | None, action: Callable[[], T], *,
            fields: FieldErrors | None = None,
            summary: Callable[[ValidationError, QWidget], None] | None = None) -> T | None:
    """Run one user action; a failure is shown where it belongs and gives ``None``. A form
    with a summary banner passes ``summary``, called with the errors and the first field."""
    try:
        try:
            return action()
        except ServerUnreachableError:
            return _when_the_server_answers(parent, action)
    except ValidationError as exc:
        first = fields.show(exc.errors) if fields is not None else None
        if first is not None:
            first.setFocus()
            if summary is not None:
                summary(exc, first)
        else:
            show_error(parent, exc)
    except CrmError as exc:
        show_error(parent, exc)
    except Exception as exc:
        show_error(parent, exc)
    return None


RETRY_EVERY_MS = 1000
KEEP_TRYING_S = 120


def _when_the_server_answers(parent: QWidget | None, action: Callable[[], T]) -> T:
    """The shared database did not answer (a cable, the Wi-Fi, a server asleep): try the
    action again every second for a while, saying so, until it answers or the person stops.
    Each try is the whole action in one transaction, so nothing is ever half-saved; when
    the trying ends without it, the caller's form is still open with everything typed.
    (Should the link have broken in the very moment of a commit that the server did make,
    the next try meets that save: an edit then shows the conflict, as with another desk.)"""
    waiting = QProgressDialog(
        "The shared database does not answer (the network, or the computer that holds the "
        "shop). Trying again…\nWhat you typed is kept here.", "Stop trying", 0, 0, parent)
    waiting.setWindowTitle("Waiting for the shared database")
    waiting.setWindowModality(Qt.WindowModality.WindowModal)
    waiting.setMinimumDuration(0)
    waiting.setAutoClose(False)
    waiting.setAutoReset(False)
    waiting.show()
    deadline = time.monotonic() + KEEP_TRYING_S
    pause = QEventLoop()
    waiting.canceled.connect(pause.quit)
    try:
        while True:
            QTimer.singleShot(RETRY_EVERY_MS, pause.quit)
            pause.exec()
            if waiting.wasCanceled() or time.monotonic() > deadline:
                raise ServerUnreachableError(
                    "Not saved: the shared database still does not answer. Everything you "
                    "typed is still here: save again once the network or the other computer "
                    "is back.")
            try:
                result = action()
            except ServerUnreachableError:
                log.info("the shared database still does not answer")
                continue
            log.info("the shared database answered again; the action is done")
            return result
    finally:
        waiting.close()
        waiting.deleteLater()


class Operations(QObject):
    """Runs actions for the person at this desk and tells whoever cares what changed."""

    changed = Signal(object)  # Changes
    status = Signal(str, int)  # a message for the status bar, and for how long (ms)

    def run(self, parent: QWidget | None, action: Callable[[], T], *,
            changes: Changes | Callable[[T], Changes],
            done: str | Callable[[T], str] | None = None,
            fields: FieldErrors | None = None) -> T | None:
        result = attempt(parent, action, fields=fields)
        if result is None:
            return None
        self.announce(changes(result) if callable(changes) else changes,
                      done(result) if callable(done) else done)
        return result

    def dialog(self, dialog: DialogT, *,
               changes: Changes | Callable[[], Changes] | None = None,
               done: str | Callable[[], str] | None = None) -> DialogT:
        """Open a dialog that saves through ``attempt``; when it is accepted, announce
        ``changes``. (A window that stays open while it saves, such as an order, announces
        each save itself.)"""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if changes is not None:
            dialog.accepted.connect(lambda: self.announce(
                changes() if callable(changes) else changes,
                done() if callable(done) else done))
        dialog.open()
        return dialog

    def announce(self, changes: Changes, message: str | None = None) -> None:
        log.debug("changed: %s", changes)
        if message:
            self.status.emit(message, 5000)
        self.changed.emit(changes)

    def say(self, message: str, timeout_ms: int = 5000) -> None:
        self.status.emit(message, timeout_ms)
