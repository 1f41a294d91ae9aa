"""Passwords: Argon2id hashes (argon2-cffi), the rules a new password must meet, and the
delay that grows with each failed sign-in.

The hash parameters are argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3
passes, 4 lanes), above OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane). A stored
hash made with weaker parameters is replaced at the next successful sign-in.
"""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm_desktop.errors import ValidationError
from crm_desktop.validation import clean_text

MIN_LENGTH = 8
MAX_LENGTH = 256
# OWASP Password Storage Cheat Sheet: the least an Argon2id hash may cost.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2

_hasher = PasswordHasher()


def hasher() -> PasswordHasher:
    return _hasher


def use_hasher(new: PasswordHasher) -> PasswordHasher:
    """Swap the hasher (the test suite uses a cheap one to stay fast); returns the old one."""
    global _hasher
    old, _hasher = _hasher, new
    return old


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing or damaged hash matches nothing. Runs a full
    verification even then, so the time taken does not tell whether the person exists."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        return False  # (a lone surrogate cannot be anyone's password)


_dummies: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash no one's password matches, made with the current hasher (so checking it costs
    the same as checking a real one); made on first use, not at every start."""
    key = id(_hasher)
    if key not in _dummies:
        _dummies[key] = _hasher.hash("no one has this password")
    return _dummies[key]


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def clean_new_password(field: str, password: str, *, name: str, username: str) -> str:
    """A new password, or a ValidationError at ``field`` saying what is wrong with it. Any
    characters are allowed (a passphrase is best); only length and the obvious are refused."""
    if not isinstance(password, str):
        raise ValidationError.single(field, "The password must be text.")
    if len(password) > MAX_LENGTH:
        raise ValidationError.single(
            field, f"A password can be at most {MAX_LENGTH} characters long.")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError.single(field, "The password holds a character that cannot "
                                            "be stored. Please type it again.") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ValidationError.single(field, "The password cannot hold control characters.")
    if len(password) < MIN_LENGTH:
        raise ValidationError.single(
            field, f"A password needs at least {MIN_LENGTH} characters; a short sentence "
                   "is easy to remember and hard to guess.")
    folded = password.casefold()
    if folded in {name.casefold(), username.casefold()} or len(set(password)) < 3:
        raise ValidationError.single(field, "That password is too easy to guess.")
    return password


def clean_sign_in_name(name: str) -> str:
    return clean_text("name", "Name", name, max_length=120, required=True)


def delay_after(failures: int) -> timedelta:
    """How long the next try must wait after ``failures`` failed ones in a row: nothing for
    the first three typos, then 2, 4, 8 … seconds, at most five minutes."""
    if failures < 3:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failures - 2), 300))

