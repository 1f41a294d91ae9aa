"""How a desk finds the shop's shared PostgreSQL database, and knows it is the right one.

The computer that holds the data shows a short **connection code**: the server's address and
port, the database and its role, and the start of the SHA-256 fingerprint of the server's
TLS certificate. The other desk types it with the database password. Before it sends that
password anywhere it fetches the server's certificate itself, checks the fingerprint, and
keeps the certificate (``shared-shop.crt`` in the config folder). From then on every
connection is made with ``sslmode=verify-ca`` against that one certificate: a server that
shows another (a new machine, or someone in between) is refused, never trusted silently.

The link (no password) lives in ``shared-shop.json`` in the config folder; the password in
the system keyring, never in a file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import socket
import ssl
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crm_desktop.errors import CrmError, ServerUnreachableError, ValidationError
from crm_desktop.paths import AppPaths

log = logging.getLogger(__name__)

KEYRING_SERVICE = "CRM Desktop shared shop"
CODE_PREFIX = "CRM"
FINGERPRINT_IN_CODE = 8  # bytes: 64 bits, beyond anyone's reach to forge a certificate for
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
_LOOKS_LIKE = {"O": "0", "I": "1", "L": "1"}
_VERSION = 1
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # PostgreSQL's "let us speak TLS"


class SharedShopError(CrmError):
    title = "The shared shop"


class CertificateMismatchError(SharedShopError):
    title = "Not the shop's server"


@dataclass(frozen=True)
class ShopLink:
    """Where the shared shop is. ``fingerprint``: the SHA-256 of the server's certificate
    (DER), whole once checked, or its first bytes as a connection code carries them."""

    host: str
    port: int
    database: str
    user: str
    fingerprint: bytes

    @property
    def keyring_name(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def matches(self, certificate: bytes) -> bool:
        return fingerprint_of(certificate).startswith(self.fingerprint)

    def pinned(self, certificate: bytes) -> ShopLink:
        """The link with the whole fingerprint of ``certificate`` (a code carries its start)."""
        return replace(self, fingerprint=fingerprint_of(certificate))

    def url(self, password: str, certificate_file: Path) -> str:
        """The SQLAlchemy URL (with the password: never log it; ``Database.describe()``
        hides it)."""
        from sqlalchemy.engine import URL  # noqa: PLC0415

        return URL.create(
            "postgresql+psycopg", username=self.user, password=password, host=self.host,
            port=self.port, database=self.database,
            query={"sslmode": "verify-ca", "sslrootcert": str(certificate_file)},
        ).render_as_string(hide_password=False)


def fingerprint_of(certificate: bytes) -> bytes:
    """The SHA-256 of a certificate (DER), as certificate tools show it."""
    return hashlib.sha256(certificate).digest()


def fingerprint_text(fingerprint: bytes) -> str:
    """For people: ``3F:2A:…``, as certificate tools print it."""
    return ":".join(f"{b:02X}" for b in fingerprint)


# ---- the connection code --------------------------------------------------------------------


def connection_code(link: ShopLink) -> str:
    """``CRM-XXXX-XXXX-…``: the link in about forty letters and digits, with a check that
    catches a mistyped character."""
    body = bytearray([_VERSION])
    try:
        body += b"\x00" + ipaddress.IPv4Address(link.host).packed
    except ValueError:
        body += _short(link.host.encode("idna"))
    body += struct.pack("!H", link.port)
    body += _short(link.database.encode())
    body += _short(b"" if link.user == link.database else link.user.encode())
    body += link.fingerprint[:FINGERPRINT_IN_CODE]
    body += struct.pack("!H", zlib.crc32(body) & 0xFFFF)
    text = _base32(bytes(body))
    return "-".join([CODE_PREFIX, *(text[i:i + 4] for i in range(0, len(text), 4))])


def code_pixels(code: str, *, scale: int = 1) -> tuple[int, bytes]:
    """``code`` as a QR square with its quiet zone: its side in pixels and its grey pixels,
    row by row (0 dark, 255 light), ``scale`` pixels a module. For the share dialog's picture
    and the terminal's block characters alike; zxing-cpp is loaded only here, when a code is
    drawn (not at start)."""
    import zxingcpp  # noqa: PLC0415

    image: Any = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode), scale=scale)
    return image.shape[0], memoryview(image).tobytes()


def code_square(code: str) -> str:
    """``code`` as a QR square drawn with block characters, for a terminal: two rows of
    modules a line. The light modules and the quiet zone are the blocks, so the square is dark
    on light on a dark terminal; on a light one it comes out inverted, which readers (this
    app's among them) take as well."""
    size, pixels = code_pixels(code)
    light = [[pixels[y * size + x] > 127 for x in range(size)] for y in range(size)]
    light.append([True] * size)  # (an even number of rows)
    blocks = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    return "\n".join("".join(blocks[(upper[x], lower[x])] for x in range(size))
                     for upper, lower in zip(light[0::2], light[1::2], strict=False))


def read_code(code: str) -> ShopLink:
    """The link a connection code carries; a clear ValidationError on field ``code`` for a
    code mistyped, cut short or not one at all."""
    wrong = ValidationError.single(
        "code", "That connection code is not complete or has a typing mistake. Copy it again "
                "from the computer that holds the shop (File → Share this shop…).")
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    if not text.startswith(CODE_PREFIX) or len(text) > 200:
        raise wrong
    try:
        body = _unbase32("".join(_LOOKS_LIKE.get(ch, ch) for ch in text[len(CODE_PREFIX):]))
        if len(body) < 6 or struct.unpack("!H", body[-2:])[0] != zlib.crc32(body[:-2]) & 0xFFFF:
            raise ValueError("check")
        reader = _Reader(body[:-2])
        if reader.byte() != _VERSION:
            raise ValueError("version")
        kind = reader.byte()
        host = (str(ipaddress.IPv4Address(reader.take(4))) if kind == 0
                else reader.take(kind).decode("idna"))
        port = struct.unpack("!H", reader.take(2))[0]
        database = reader.take(reader.byte()).decode()
        user = reader.take(reader.byte()).decode() or database
        fingerprint = reader.take(FINGERPRINT_IN_CODE)
        if reader.left or not host or not database or not port:
            raise ValueError("shape")
    except (ValueError, UnicodeError, struct.error, IndexError) as exc:
        raise wrong from exc
    return ShopLink(host, port, database, user, fingerprint)


def _short(data: bytes) -> bytes:
    if len(data) > 63:
        raise ValueError("too long for a connection code")
    return bytes([len(data)]) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def take(self, count: int) -> bytes:
        if self._at + count > len(self._data):
            raise ValueError("short")
        part = self._data[self._at:self._at + count]
        self._at += count
        return part

    def byte(self) -> int:
        return self.take(1)[0]

    @property
    def left(self) -> int:
        return len(self._data) - self._at


def _base32(data: bytes) -> str:
    number, bits = int.from_bytes(data, "big"), len(data) * 8
    pad = -bits % 5
    number <<= pad
    return "".join(_ALPHABET[(number >> shift) & 31] for shift in range(bits + pad - 5, -1, -5))


def _unbase32(text: str) -> bytes:
    number = 0
    for ch in text:
        at = _ALPHABET.find(ch)
        if at < 0:
            raise ValueError(ch)
        number = number << 5 | at
    size = len(text) * 5 // 8
    spare = len(text) * 5 - size * 8
    if number & ((1 << spare) - 1):  # the bits that only pad the last character
        raise ValueError("padding")
    return (number >> spare).to_bytes(size, "big")


# ---- the server's certificate ---------------------------------------------------------------


def server_certificate(host: str, port: int, *, timeout: float = 5.0) -> bytes:
    """The certificate (DER) the PostgreSQL server at ``host:port`` shows, fetched without
    trusting it: it is checked against the fingerprint by the caller."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.sendall(_SSL_REQUEST)
            answer = raw.recv(1)
            if answer != b"S":
                raise SharedShopError(
                    f"The database server at {host}:{port} does not offer an encrypted "
                    "connection, so it is not a shop set up by File → Share this shop….")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # checked by its fingerprint instead
            with context.wrap_socket(raw) as tls:
                certificate = tls.getpeercert(binary_form=True)
    except (TimeoutError, ConnectionError, socket.gaierror, OSError) as exc:
        if isinstance(exc, ssl.SSLError):
            raise SharedShopError(f"The encrypted connection to {host}:{port} failed: "
                                  f"{exc.reason or exc}.") from exc
        raise ServerUnreachableError(
            f"No database server answers at {host}, port {port}. Check that the computer "
            "holding the shop is on and awake, on the same network, and that the code was "
            "typed as shown.") from exc
    if not certificate:
        raise SharedShopError(f"The server at {host}:{port} showed no certificate.")
    return certificate


def pem(certificate: bytes) -> str:
    return ssl.DER_cert_to_PEM_cert(certificate)


def checked_certificate(link: ShopLink) -> bytes:
    """The server's certificate, when its fingerprint is the one the link expects."""
    certificate = server_certificate(link.host, link.port)
    if not link.matches(certificate):
        raise CertificateMismatchError(
            f"The server at {link.host}:{link.port} is not the one the connection code was "
            "made for: its certificate has another fingerprint. Nothing was sent to it. If the "
            "shop's server was set up again, ask for its new code; otherwise someone may be "
            "pretending to be it.")
    return certificate


# ---- kept on this desk ----------------------------------------------------------------------


def link_file(paths: AppPaths) -> Path:
    return paths.config_dir / "shared-shop.json"


def certificate_file(paths: AppPaths) -> Path:
    return paths.config_dir / "shared-shop.crt"


def saved_link(paths: AppPaths) -> ShopLink | None:
    """The shared shop this desk works on, or None for the shop on this computer."""
    try:
        raw: Any = json.loads(link_file(paths).read_text(encoding="utf-8"))
        return ShopLink(str(raw["host"]), int(raw["port"]), str(raw["database"]),
                        str(raw["user"]), bytes.fromhex(str(raw["fingerprint"])))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SharedShopError(
            f"This desk's note of the shared shop ({link_file(paths)}) cannot be read. "
            "Connect again with File → Connect to a shared shop….") from exc


def keep_link(paths: AppPaths, link: ShopLink, certificate: bytes, password: str) -> None:
    """This desk works on ``link`` from now on: the password into the keyring, the
    certificate and the link into the config folder."""
    store_password(link, password)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    certificate_file(paths).write_text(pem(certificate), encoding="ascii")
    whole = link.pinned(certificate)
    text = json.dumps({"host": whole.host, "port": whole.port, "database": whole.database,
                       "user": whole.user, "fingerprint": whole.fingerprint.hex()}, indent=2)
    temporary = link_file(paths).with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(link_file(paths))


def forget_link(paths: AppPaths) -> None:
    """Back to the shop on this computer (the keyring entry is left for a return)."""
    link_file(paths).unlink(missing_ok=True)


def shared_url(paths: AppPaths) -> str | None:
    """The URL of the shared shop this desk works on (password from the keyring)."""
    link = saved_link(paths)
    if link is None:
        return None
    password = stored_password(link)
    if password is None:
        raise SharedShopError(
            "The shared shop's password is not in this computer's keyring any more. "
            "Connect again with File → Connect to a shared shop….")
    return link.url(password, certificate_file(paths))


def desk_url(paths: AppPaths) -> str:
    """Where this desk's shop is: the shared one it connected to, else its own file."""
    return shared_url(paths) or paths.default_database_url()


def store_password(link: ShopLink, password: str) -> None:
    import keyring  # noqa: PLC0415
    from keyring.errors import KeyringError  # noqa: PLC0415

    try:
        keyring.set_password(KEYRING_SERVICE, link.keyring_name, password)
    except KeyringError as exc:
        raise SharedShopError(_NO_KEYRING) from exc


def stored_password(link: ShopLink) -> str | None:
    import keyring  # noqa: PLC0415
    from keyring.errors import KeyringError  # noqa: PLC0415

    try:
        return keyring.get_password(KEYRING_SERVICE, link.keyring_name)
    except KeyringError as exc:
        raise SharedShopError(_NO_KEYRING) from exc


_NO_KEYRING = (
    "This computer has no password keyring to keep the shared shop's password in (on Linux: "
    "GNOME Keyring or KWallet; Windows and macOS have one built in). The password is never "
    "written to a plain file, so install and unlock a keyring, then try again.")
