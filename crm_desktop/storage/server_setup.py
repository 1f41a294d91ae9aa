"""Make a PostgreSQL server on this computer ready to hold the shop for two desks.

What a small shop's IT person would do by hand, done once (``crm-desktop server setup`` or
File → Share this shop with another desk…), and safe to run again:

- the shop's own role (a generated password, stored as a SCRAM-SHA-256 verifier made on
  this side, so the password itself never reaches the server's logs) and its database,
  which nobody else may connect to;
- TLS on, with a self-signed certificate made here (its fingerprint goes in the connection
  code, so the other desk can check it is talking to this server);
- the server listening on the network, and ``pg_hba.conf`` letting in only the shop's role,
  only over TLS, only from the local subnet (a block between two marker lines, replaced when
  run again);
- a restart, as the server only takes a new ``listen_addresses`` on start.

It needs the server's administrator connection (on Debian and Ubuntu: run as the
``postgres`` system user, which reaches it through its socket) and write access to the
server's configuration files (the same user).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import platform
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_desktop.errors import CrmError
from crm_desktop.storage.shared_shop import ShopLink, fingerprint_of, pem

log = logging.getLogger(__name__)

HBA_BEGIN = "# crm-desktop: the shop's desks (kept by 'crm-desktop server setup')"
HBA_END = "# crm-desktop: end"
CERTIFICATE_NAME = "crm-desktop-server"
_PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # nothing to misread when typed
Step = Callable[[str], None]


class ServerSetupError(CrmError):
    title = "Sharing the shop"


class NeedsServerAdminError(ServerSetupError):
    """The server is there, but this program may not change it: run the setup as its
    administrator. ``command`` is what to type."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


@dataclass(frozen=True)
class SharedDatabase:
    link: ShopLink  # with the certificate's whole fingerprint
    password: str
    subnet: str
    restarted: bool


def default_admin() -> str:
    """The server administrator's connection: libpq's PGHOST, PGPORT and PGUSER when set,
    else the postgres user through the socket folder of Debian's and Ubuntu's server."""
    host = os.environ.get("PGHOST") or "/var/run/postgresql"
    return f"host={host} user={os.environ.get('PGUSER') or 'postgres'} dbname=postgres"


def install_advice(system: str | None = None) -> str:
    """How to install and start PostgreSQL, for this kind of computer."""
    system = system or platform.system()
    if system == "Windows":
        return ("Install PostgreSQL with the installer from postgresql.org (Download → "
                "Windows); keep the service it sets up running, and note the password it "
                "asks for the 'postgres' administrator.")
    if system == "Darwin":
        return ("Install Postgres.app from postgresapp.com (or 'brew install postgresql@16' "
                "and 'brew services start postgresql@16'), and start the server.")
    return ("Install the server with 'sudo apt install postgresql' (Debian, Ubuntu); it "
            "starts by itself. Then run, in a terminal: " + setup_command())


def setup_command(subnet: str | None = None) -> str:
    extra = f" --subnet {subnet}" if subnet else ""
    return f"sudo -u postgres crm-desktop server setup{extra}"


def generated_password() -> str:
    """Twenty characters in groups of four (about 98 bits), easy to type at the other
    desk."""
    text = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(20))
    return "-".join(text[i:i + 4] for i in range(0, 20, 4))


def this_computers_address() -> str:
    """The IPv4 address other computers on the local network reach this one at (the one
    its route out uses; a UDP 'connect' sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def local_subnet(address: str) -> str:
    """The subnet of the interface holding ``address`` (a /24 when its mask is unknown)."""
    import psutil  # noqa: PLC0415

    for addresses in psutil.net_if_addrs().values():
        for entry in addresses:
            if entry.family == socket.AF_INET and entry.address == address and entry.netmask:
                return str(ipaddress.IPv4Network(f"{address}/{entry.netmask}", strict=False))
    return str(ipaddress.IPv4Network(f"{address}/24", strict=False))


def admin_connection(admin: str) -> Any:
    """The server administrator's connection (libpq ``admin`` string; the password, if one is
    needed, from PGPASSWORD). Says what is wrong when there is no server or no right."""
    import psycopg  # noqa: PLC0415

    try:
        return psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        text = str(exc)
        if "No such file" in text or "Connection refused" in text or "timeout" in text:
            raise ServerSetupError(
                "No PostgreSQL server is running on this computer. " + install_advice()
            ) from exc
        raise NeedsServerAdminError(
            "PostgreSQL is running, but this program may not change it as the "
            f"{os.environ.get('USER', 'current')} user. Run the setup as the server's "
            "administrator:", setup_command()) from exc


def set_up(admin: str | None = None, *, name: str = "crm", host: str | None = None,
           subnet: str | None = None, step: Step = lambda _text: None,
           restart: Callable[[Any], None] | None = None) -> SharedDatabase:
    """Make the server ready; returns the link and the role's new password. ``host``: the
    address the desks will use (this computer's on the local network when not given);
    ``subnet``: who may connect (that address's subnet when not given). ``restart``: how to
    restart the server (found from how it runs when not given)."""
    _check_name(name)
    host = host or this_computers_address()
    subnet = str(ipaddress.ip_network(subnet or local_subnet(host), strict=False))
    step("Checking the PostgreSQL server…")
    with admin_connection(admin or default_admin()) as conn:
        if not _is_superuser(conn):
            raise NeedsServerAdminError(
                "This connection to PostgreSQL is not the server's administrator.",
                setup_command(subnet))
        settings = {key: _show(conn, key)
                    for key in ("data_directory", "hba_file", "port", "server_version_num")}
        data_directory, hba_file = Path(settings["data_directory"]), Path(settings["hba_file"])
        for needed in (data_directory, hba_file):
            if not os.access(needed, os.W_OK):
                raise NeedsServerAdminError(
                    f"PostgreSQL is running, but this program may not change its files "
                    f"({needed}). Run the setup as the server's administrator:",
                    setup_command(subnet))
        port = int(settings["port"])

        step("Creating the shop's database and its password…")
        password = generated_password()
        _create_role_and_database(conn, name, password)

        step("Turning on encryption (TLS) with a certificate of this server…")
        certificate = _certificate(data_directory, host)
        conn.execute("ALTER SYSTEM SET ssl = on")
        conn.execute(f"ALTER SYSTEM SET ssl_cert_file = '{data_directory / CERTIFICATE_NAME}.crt'")
        conn.execute(f"ALTER SYSTEM SET ssl_key_file = '{data_directory / CERTIFICATE_NAME}.key'")
        conn.execute("ALTER SYSTEM SET password_encryption = 'scram-sha-256'")

        step(f"Letting in the desks of {subnet} only…")
        listening = _show(conn, "listen_addresses")
        conn.execute("ALTER SYSTEM SET listen_addresses = '*'")
        _write_hba(hba_file, name, subnet, data_directory)
        restarted = listening.strip() != "*"
        if restarted:
            step("Restarting the server so that it listens on the network…")
            (restart or _restart)(conn)
        else:
            conn.execute("SELECT pg_reload_conf()")
    link = ShopLink(host, port, name, name, fingerprint_of(certificate))
    step("Checking that a desk can connect…")
    check_as_desk(link, password, certificate)
    return SharedDatabase(link, password, subnet, restarted)


def check_as_desk(link: ShopLink, password: str, certificate: bytes) -> None:
    """Connect as a desk will: over the network, TLS checked against ``certificate``."""
    import psycopg  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "server.crt"
        root.write_text(pem(certificate), encoding="ascii")
        try:
            psycopg.connect(host=link.host, port=link.port, dbname=link.database,
                            user=link.user, password=password, sslmode="verify-ca",
                            sslrootcert=str(root), connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            raise ServerSetupError(
                f"The server is set up, but a desk cannot connect to it at {link.host}:"
                f"{link.port}: {str(exc).strip()[-300:]}. A firewall on this computer may "
                f"block port {link.port}: allow it for the local network.") from exc


def _check_name(name: str) -> None:
    if not (name.isascii() and name.replace("_", "").isalnum() and name[:1].isalpha()
            and len(name) <= 40 and name == name.lower()):
        raise ServerSetupError(
            "The shop's database name may hold small letters, digits and '_' only, "
            "starting with a letter (for example 'crm').")


def _show(conn: Any, setting: str) -> str:
    return str(conn.execute(f"SHOW {setting}").fetchone()[0])


def _is_superuser(conn: Any) -> bool:
    return bool(conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                .fetchone()[0])


def _create_role_and_database(conn: Any, name: str, password: str) -> None:
    from psycopg import sql  # noqa: PLC0415

    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(),
                                            b"scram-sha-256").decode()
    role = sql.Identifier(name)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    conn.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
        sql.SQL("ALTER" if exists else "CREATE"), role, sql.Literal(verifier)))
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0")
                     .format(role, role))
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(role))
    conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(role, role))


def _certificate(data_directory: Path, host: str) -> bytes:
    """The server's certificate (DER): the one made before if there is one (so that desks
    already connected keep trusting it), else a new self-signed one for ten years."""
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    cert_path = data_directory / f"{CERTIFICATE_NAME}.crt"
    key_path = data_directory / f"{CERTIFICATE_NAME}.key"
    if cert_path.exists() and key_path.exists():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return existing.public_bytes(serialization.Encoding.DER)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"CRM Desktop shop at {host}")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    owner = data_directory.stat()
    _write_private(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), owner)
    _write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM), owner)
    return certificate.public_bytes(serialization.Encoding.DER)


def _write_private(path: Path, data: bytes, owner: os.stat_result) -> None:
    """Readable by the server's own user only (it refuses a key others may read)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    if _as_root():  # run as root: hand it to the server's user
        os.chown(path, owner.st_uid, owner.st_gid)


def hba_block(name: str, subnet: str) -> list[str]:
    return [HBA_BEGIN,
            f"hostssl {name} {name} {subnet} scram-sha-256",
            f"hostssl {name} {name} 127.0.0.1/32 scram-sha-256",
            f"hostssl {name} {name} ::1/128 scram-sha-256",
            # Nobody else into the shop's database over the network, and the shop's role in
            # no other way (without TLS, from elsewhere), whatever the lines below allow.
            f"host {name} all all reject",
            f"host all {name} all reject",
            HBA_END]


def _write_hba(hba_file: Path, name: str, subnet: str, data_directory: Path) -> None:
    """Our block first (the first matching line decides), the rest kept as it was."""
    lines = hba_file.read_text(encoding="utf-8").splitlines()
    if HBA_BEGIN in lines and HBA_END in lines:
        start, end = lines.index(HBA_BEGIN), lines.index(HBA_END)
        lines[start:end + 1] = []
    else:
        backup = hba_file.with_name(hba_file.name + ".before-crm-desktop")
        if not backup.exists():
            shutil.copy2(hba_file, backup)
    first_rule = next((i for i, line in enumerate(lines)
                       if line.strip() and not line.lstrip().startswith("#")), len(lines))
    lines[first_rule:first_rule] = [*hba_block(name, subnet), ""]
    temporary = hba_file.with_name(hba_file.name + ".crm-new")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copymode(hba_file, temporary)
    if _as_root():
        stat = hba_file.stat()
        os.chown(temporary, stat.st_uid, stat.st_gid)
    temporary.replace(hba_file)


def _restart(conn: Any) -> None:
    """Restart the server the way it is run: a Debian cluster with ``pg_ctlcluster``,
    anything else with its own ``pg_ctl``."""
    data_directory = Path(_show(conn, "data_directory"))
    major = int(_show(conn, "server_version_num")) // 10000
    debian = (shutil.which("pg_ctlcluster")
              and data_directory.parent.name == str(major)
              and data_directory.parent.parent == Path("/var/lib/postgresql"))
    if debian and _as_root() and Path("/run/systemd/system").is_dir() and shutil.which(
            "systemctl"):  # the cluster stays the system service it was
        command = ["systemctl", "restart", f"postgresql@{major}-{data_directory.name}"]
    elif debian:
        command = ["pg_ctlcluster", str(major), data_directory.name, "restart"]
    else:
        pg_ctl = (shutil.which("pg_ctl") or
                  str(Path(f"/usr/lib/postgresql/{major}/bin/pg_ctl")))
        command = [pg_ctl, "restart", "-D", str(data_directory), "-m", "fast", "-w",
                   "-l", str(data_directory / "crm-desktop-restart.log")]
    user = data_directory.stat()
    if _as_root() and command[0] != "systemctl" and user.st_uid != 0:  # never run as root
        command = ["runuser", "-u", _user_name(user.st_uid), "--", *command]
    log.info("restarting PostgreSQL: %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ServerSetupError(
            "The server's settings are changed, but it did not restart: "
            f"{(result.stderr or result.stdout).strip()[-300:]}. Restart PostgreSQL (or the "
            "computer), then run the setup again.")


def _as_root() -> bool:
    """Run by root (``sudo crm-desktop server setup``); never on Windows."""
    return bool(getattr(os, "geteuid", lambda: -1)() == 0)


def _user_name(uid: int) -> str:
    import pwd  # noqa: PLC0415 - POSIX only, like running as root

    return pwd.getpwuid(uid).pw_name
