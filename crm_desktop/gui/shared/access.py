"""What the person at this desk may do, mirrored in the GUI. The services decide (they check
the database on every action); this only keeps the GUI from offering what would be refused:
an action someone may not take is shown disabled, its tooltip saying who can."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from crm_desktop.models import Role
from crm_desktop.permissions import Permission, allows, who_may

_PERMISSION = "crm_permission"  # the dynamic property naming what a gated control needs


class _KeepDisabled(QObject):
    """Turns a gated widget off again whenever the code that shows it by state turns it on."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.EnabledChange and isinstance(watched, QWidget)
                and watched.isEnabled()):
            watched.setEnabled(False)
        return False


class Access:
    def __init__(self, role: Role, *, refusal: str | None = None) -> None:
        """``refusal``: why nothing at all may be done here (a backup opened to look
        inside), said instead of who may."""
        self.role = role
        self._refusal = refusal
        self._keeper = _KeepDisabled()

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)

    def gate(self, permission: Permission, *controls: QWidget | QAction) -> bool:
        """Offer ``controls`` only to whom ``permission`` allows; returns whether it does."""
        allowed = self.can(permission)
        for control in controls:
            control.setProperty(_PERMISSION, permission.value)
            if allowed:
                continue
            control.setEnabled(False)
            control.setToolTip(self._refusal or who_may(permission))
            if isinstance(control, QAction):
                control.enabledChanged.connect(
                    lambda enabled, a=control: enabled and a.setEnabled(False))
            else:
                control.installEventFilter(self._keeper)
        return allowed


def needed_permission(control: QObject) -> Permission | None:
    """The permission a control was gated with, if any (for tests and the help)."""
    value = control.property(_PERMISSION)
    return Permission(value) if value else None
