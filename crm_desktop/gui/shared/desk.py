"""What every capability's controller is handed: the person at this desk and the desk's means.

Not a registry of everything: services are passed to each controller one by one, so what a
controller uses is visible in its constructor. The desk carries only what every one of them
needs — who acts and what they may do, how to format, the clock, the operations (and their
change signal), a worker thread for slow reads and the shell's small face (show a page,
parent a dialog).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from crm_desktop.actor import Actor
from crm_desktop.clock import Clock
from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.access import Access
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.operations import Change, Changes, Operations
from crm_desktop.services.admin.user_service import UserService, UserView


class Shell(Protocol):
    """The main window as a controller sees it."""

    def show_page(self, page: QWidget) -> None:
        """Make ``page`` the current one (and select its entry in the navigation)."""

    def is_current(self, page: QWidget) -> bool: ...

    def set_badge(self, page: QWidget, text: str) -> None:
        """The text of ``page``'s entry in the navigation, e.g. "Today (3)"."""

    def dialog_parent(self) -> QWidget: ...

    def shop_name(self) -> str: ...


CustomerChoice = Callable[[int | None], "tuple[int, str] | None"]


class Desk:
    def __init__(self, *, actor: Actor, access: Access, formatter: Formatter, clock: Clock,
                 ops: Operations, shell: Shell, users: UserService,
                 background: Background) -> None:
        self.actor = actor
        self.access = access  # what this person may do, to offer only that
        self.background = background  # slow reads off the UI thread
        self.formatter = formatter
        self.clock = clock
        self.ops = ops
        self.shell = shell
        self._users = users
        self._active: list[UserView] | None = None
        # Set by the customers controller: (id, name) of a customer for a dialog, without a
        # query when the profile on screen shows them.
        self.customer_choice: CustomerChoice = lambda _customer_id: None
        ops.changed.connect(self._changed)

    def active_users(self) -> list[UserView]:
        """The people who can be given a follow-up, a query or a customer to look after."""
        if self._active is None:
            self._active = self._users.list_active()
        return self._active

    def _changed(self, changes: Changes) -> None:
        if changes.touches(Change.USERS):
            self._active = None


class Controller(QObject):
    """One capability's actions: opening its dialogs, calling its service through the
    operations, and refreshing its own pages when something they show has changed."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        desk.ops.changed.connect(self.on_changed)

    @property
    def actor(self) -> Actor:
        return self.desk.actor

    @property
    def window(self) -> QWidget:
        """The parent of this capability's dialogs."""
        return self.desk.shell.dialog_parent()

    def on_changed(self, changes: Changes) -> None:
        """Refresh what this capability shows, if ``changes`` touches it."""

    def stop(self) -> None:
        """The window is closing: stop whatever this capability runs on its own (timers), so
        a closed window never acts, even if something still holds it."""

    def set_formatter(self, formatter: Formatter) -> None:
        """The shop's settings changed how money and dates read."""
