"""Show a service's ValidationError at the fields that caused it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from crm_desktop.gui.shared.palette import ALERT

INVALID_STYLE = f"border: 1px solid {ALERT}; border-radius: 3px;"


class FieldErrors:
    """Maps error keys (``"first_name"``, ``"contacts.1.value"``) to widgets and their labels."""

    def __init__(self) -> None:
        self._fields: dict[str, tuple[QWidget, QLabel | None]] = {}
        self._marked: list[QWidget] = []
        self._labels: list[QLabel] = []

    def register(self, key: str, widget: QWidget, label: QLabel | None = None) -> None:
        self._fields[key] = (widget, label)

    def unregister_prefix(self, prefix: str) -> None:
        for key in [k for k in self._fields if k.startswith(prefix)]:
            del self._fields[key]

    @property
    def marked(self) -> list[QWidget]:
        """The widgets now marked as wrong, in the order of the errors."""
        return list(self._marked)

    def clear(self) -> None:
        for widget in self._marked:
            widget.setStyleSheet("")
            widget.setToolTip("")
        for label in self._labels:
            label.clear()
            label.hide()
        self._marked.clear()
        self._labels.clear()

    def show(self, errors: dict[str, str]) -> QWidget | None:
        """Mark every field named in ``errors``; return the first one, to focus it."""
        self.clear()
        first: QWidget | None = None
        for key, message in errors.items():
            found = self._fields.get(key)
            if found is None:
                continue
            widget, label = found
            widget.setStyleSheet(INVALID_STYLE)
            widget.setToolTip(message)
            self._marked.append(widget)
            if label is not None:
                # A form's one error line under all its fields says every message, one a line.
                if label in self._labels:
                    label.setText(f"{label.text()}\n{message}")
                else:
                    label.setText(message)
                    label.show()
                    self._labels.append(label)
            first = first or widget
        return first



def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ALERT};")
    label.hide()
    return label
