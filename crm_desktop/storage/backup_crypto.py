"""Backups locked with a passphrase, for the copies that leave the machine.

A copy is locked without the passphrase being typed (backups run on a schedule), and opened
only with it: the owner's passphrase locks a private key, and copies are encrypted to its
public key. What this computer keeps (``KeyPair``) is the public key and the private key
locked by the passphrase (scrypt, then AES-GCM); the passphrase itself is stored nowhere.
Each locked file carries the locked private key too, so on a new computer the passphrase
alone opens it.

A locked file is ``MAGIC``, a length-prefixed JSON header (the backup's manifest in the
clear, so a list can say what it holds, and the key material), then the backup ZIP sealed
with AES-256-GCM in 1 MiB chunks (the STREAM construction: each chunk's nonce carries its
number and whether it is the last, and the header is the associated data), so a chunk
changed, dropped, reordered or cut off is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from crm_desktop.errors import BackupError, WrongPassphraseError

MAGIC = b"CRM-DESKTOP-LOCKED-BACKUP\x001\n"
CHUNK = 1 << 20
_TAG = 16
_MAX_HEADER = 1 << 20
# scrypt at n=2**17, r=8: 128 MiB and ~0.3 s to try one passphrase (OWASP's floor is 2**17).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1
MIN_PASSPHRASE = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    return base64.b64decode(str(text), validate=True)


@dataclass(frozen=True)
class KeyPair:
    """The public key copies are locked to, and the private key locked by the passphrase."""

    public: bytes
    locked_private: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"public": _b64(self.public), "locked_private": self.locked_private}

    @classmethod
    def from_json(cls, data: object) -> KeyPair:
        if not isinstance(data, dict) or not isinstance(data.get("locked_private"), dict):
            raise ValueError("not a key pair")
        public = _unb64(data["public"])
        X25519PublicKey.from_public_bytes(public)  # 32 bytes, or ValueError
        return cls(public, dict(data["locked_private"]))


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(
        passphrase.encode("utf-8", "surrogatepass"))


def new_key_pair(passphrase: str) -> KeyPair:
    """A new key pair, its private half locked with ``passphrase``."""
    private = X25519PrivateKey.generate()
    salt, nonce = os.urandom(16), os.urandom(12)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    sealed = AESGCM(_kek(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, raw, b"crm-desktop private key")
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return KeyPair(public, {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                            "salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)})


def unlock(locked_private: dict[str, Any], passphrase: str, what: str) -> X25519PrivateKey:
    """The private key, or a BackupError saying the passphrase does not open ``what``."""
    try:
        n, r, p = int(locked_private["n"]), int(locked_private["r"]), int(locked_private["p"])
        # Within what a laptop can spare (a hostile file must not ask for gigabytes).
        if not (1 << 10 <= n <= 1 << 20 and 1 <= r <= 32 and 1 <= p <= 4
                and 128 * n * r <= 1 << 28):
            raise ValueError("scrypt parameters out of range")
        kek = _kek(passphrase, _unb64(locked_private["salt"]), n, r, p)
        nonce, sealed = _unb64(locked_private["nonce"]), _unb64(locked_private["sealed"])
    except (KeyError, ValueError, TypeError) as exc:
        raise BackupError(f"{what} is damaged: its lock cannot be read.") from exc
    try:
        raw = AESGCM(kek).decrypt(nonce, sealed, b"crm-desktop private key")
    except (InvalidTag, ValueError) as exc:
        raise WrongPassphraseError(f"That passphrase does not open {what}. Check it and try "
                              "again.") from exc
    return X25519PrivateKey.from_private_bytes(raw)


def _content_key(shared: bytes, ephemeral: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral,
                info=b"crm-desktop backup v1").derive(shared)


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


def is_locked(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_header(path: Path) -> dict[str, Any]:
    """The clear header of a locked backup (its manifest and key material)."""
    with path.open("rb") as stream:
        header, _raw = _header(stream, path.name)
    return header


def _header(stream: BinaryIO, what: str) -> tuple[dict[str, Any], bytes]:
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupError(f"{what} is not a locked CRM Desktop backup.")
    size_bytes = stream.read(4)
    size = struct.unpack(">I", size_bytes)[0] if len(size_bytes) == 4 else -1
    raw = stream.read(size) if 0 < size <= _MAX_HEADER else b""
    try:
        header = json.loads(raw.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{what} is not a CRM Desktop backup.") from exc
    return header, raw


def _chunks(stream: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """Each chunk of ``size`` and whether it is the last (read one ahead)."""
    current = stream.read(size)
    while True:
        following = stream.read(size)
        yield current, not following
        if not following:
            return
        current = following


def lock_file(source: Path, target: Path, keys: KeyPair, manifest: dict[str, Any]) -> str:
    """Write ``source`` (a backup ZIP) to ``target`` sealed to ``keys``' public key; returns
    the SHA-256 of what was written, to compare with what reads back."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                           serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(keys.public))
    cipher = AESGCM(_content_key(shared, ephemeral_public))
    prefix = os.urandom(7)
    header = json.dumps({"manifest": manifest, "locked_private": keys.locked_private,
                         "ephemeral": _b64(ephemeral_public), "nonce_prefix": _b64(prefix),
                         "chunk": CHUNK}, sort_keys=True).encode("utf-8")
    digest = hashlib.sha256()
    with source.open("rb") as plain, target.open("wb") as out:
        for block in _sealed(plain, cipher, prefix, header):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _sealed(plain: BinaryIO, cipher: AESGCM, prefix: bytes, header: bytes) -> Iterator[bytes]:
    yield MAGIC + struct.pack(">I", len(header)) + header
    for number, (chunk, last) in enumerate(_chunks(plain, CHUNK)):
        yield cipher.encrypt(_nonce(prefix, number, last), chunk, header)


def unlock_file(source: Path, target: Path, passphrase: str,
                report: Callable[[int, int], None]) -> None:
    """Write the backup ZIP sealed in ``source`` to ``target``; a wrong passphrase or a
    damaged file is a BackupError saying which."""
    what = source.name
    total = max(source.stat().st_size, 1)
    with source.open("rb") as stream:
        header, raw = _header(stream, what)
        try:
            locked_private = dict(header["locked_private"])
            ephemeral_public = _unb64(header["ephemeral"])
            prefix = _unb64(header["nonce_prefix"])
            chunk_size = int(header["chunk"])
            ephemeral_key = X25519PublicKey.from_public_bytes(ephemeral_public)
            if len(prefix) != 7 or not 1 << 12 <= chunk_size <= 1 << 26:
                raise ValueError("bad parameters")
        except (KeyError, ValueError, TypeError) as exc:
            raise BackupError(f"{what} is damaged: its lock cannot be read.") from exc
        private = unlock(locked_private, passphrase, what)
        cipher = AESGCM(_content_key(private.exchange(ephemeral_key), ephemeral_public))
        done = 0
        with target.open("wb") as out:
            for number, (sealed, last) in enumerate(_chunks(stream, chunk_size + _TAG)):
                try:
                    out.write(cipher.decrypt(_nonce(prefix, number, last), sealed, raw))
                except (InvalidTag, ValueError) as exc:
                    raise BackupError(f"{what} is damaged: part of it has been changed or "
                                      "cut off.") from exc
                done += len(sealed)
                report(done, total)
