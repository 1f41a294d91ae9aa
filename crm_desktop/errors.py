"""Known errors: each one carries a message fit to show a person as it is.

Anything that is not a ``CrmError`` is a bug and is reported with details and a log entry.
"""

from __future__ import annotations

from collections.abc import Mapping


class CrmError(Exception):
    """An error the user can understand and act on."""

    title = "Could not complete that"

    @property
    def message(self) -> str:
        return str(self)


class ValidationError(CrmError):
    """Input was refused. ``errors`` maps each offending field to a human message."""

    title = "Please check the form"

    def __init__(self, errors: Mapping[str, str]) -> None:
        if not errors:
            raise ValueError("ValidationError needs at least one field error")
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls({field: message})

    @property
    def field(self) -> str:
        return next(iter(self.errors))


class ConflictError(CrmError):
    """Someone else changed the record since it was opened (optimistic locking)."""

    title = "Changed by someone else"


class NotFoundError(CrmError):
    title = "Not found"


class PermissionDeniedError(CrmError):
    title = "Not allowed"


class SignInError(CrmError):
    """A sign-in (or an unlock) was refused. The message never says whether the name or the
    password was wrong; ``wait_seconds`` is set when tries come faster than allowed."""

    title = "Not signed in"

    def __init__(self, message: str, *, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class StorageError(CrmError):
    """The database cannot be used right now: locked, read-only, disk full, unreachable."""

    title = "Database problem"


class LinkRefusedError(StorageError):
    """The shared database's server answers but will not have this desk: its password or its
    certificate is no longer the one this desk keeps (set up again, or someone else)."""

    title = "The shared shop did not let this desk in"


class ServerUnreachableError(StorageError):
    """The shared database's server does not answer (cable, Wi-Fi, a server asleep)."""

    title = "The shared database cannot be reached"

    def __init__(self, message: str = "The shared database cannot be reached. Check the "
                                      "network and the server.") -> None:
        super().__init__(message)


class BackupError(StorageError):
    """A backup that cannot be read, or that does not hold what its manifest says."""

    title = "Backup problem"


class PassphraseNeededError(BackupError):
    """The backup is locked with a passphrase, and none was given: ask for it."""

    title = "Locked backup"


class WrongPassphraseError(BackupError):
    title = "Wrong passphrase"


class NewerDatabaseError(StorageError):
    title = "Database is from a newer version"


class PrintingError(CrmError):
    """The printer or the print system refused or is missing."""

    title = "Could not print"
