"""``server setup`` on a throwaway PostgreSQL server: the shop's role and database, TLS with
a certificate of its own, only the shop's desks let in, and the server restarted to listen."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest

from crm_desktop.cli import main
from crm_desktop.storage import server_setup
from crm_desktop.storage.shared_shop import (
    CertificateMismatchError,
    ServerUnreachableError,
    SharedShopError,
    ShopLink,
    checked_certificate,
    pem,
    read_code,
    server_certificate,
)
from tests.clusters import Cluster, throwaway_cluster
from tests.squares import read_square


@pytest.fixture(scope="module")
def cluster(pg_cluster: Cluster) -> Cluster:
    return pg_cluster


@pytest.fixture(scope="module")
def shared(cluster: Cluster) -> server_setup.SharedDatabase:
    steps: list[str] = []
    done = server_setup.set_up(cluster.admin, name="shop", host="127.0.0.1",
                               subnet="127.0.0.0/8", step=steps.append)
    assert steps[0] == "Checking the PostgreSQL server…" and len(steps) == 6
    return done


def _connect(link: ShopLink, password: str, cluster: Cluster, **options: str) -> None:
    psycopg.connect(host=link.host, port=link.port, dbname=link.database, user=link.user,
                    password=password, connect_timeout=5, **options).close()


def test_a_desk_connects_over_tls_checked_against_the_servers_own_certificate(
        shared: server_setup.SharedDatabase, cluster: Cluster, tmp_path: Path) -> None:
    link = shared.link
    assert (link.host, link.port, link.database, link.user) == ("127.0.0.1", cluster.port,
                                                                "shop", "shop")
    assert shared.restarted and shared.subnet == "127.0.0.0/8"
    certificate = server_certificate(link.host, link.port)
    assert hashlib.sha256(certificate).digest() == link.fingerprint
    assert checked_certificate(link) == certificate
    root = tmp_path / "root.crt"
    root.write_text(pem(certificate), encoding="ascii")
    _connect(link, shared.password, cluster, sslmode="verify-ca", sslrootcert=str(root))


def test_only_the_shops_role_with_its_password_and_over_tls_gets_in(
        shared: server_setup.SharedDatabase, cluster: Cluster) -> None:
    link = shared.link
    with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf rejects connection"):
        _connect(link, shared.password, cluster, sslmode="disable")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(link, "not-the-password", cluster, sslmode="require")
    with psycopg.connect(cluster.admin) as admin:
        stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'shop'"
                               ).fetchall()
        assert stored[0][0].startswith("SCRAM-SHA-256$")
        assert admin.execute("SHOW ssl").fetchall() == [("on",)]
        assert admin.execute("SHOW listen_addresses").fetchall() == [("*",)]
    hba = (cluster.folder / "pg_hba.conf").read_text().splitlines()
    rules = [line for line in hba if line.strip() and not line.startswith("#")]
    assert rules[0] == "hostssl shop shop 127.0.0.0/8 scram-sha-256"
    assert (cluster.folder / "pg_hba.conf.before-crm-desktop").exists()


def test_run_again_it_keeps_the_certificate_and_one_block_and_gives_a_new_password(
        shared: server_setup.SharedDatabase, cluster: Cluster) -> None:
    again = server_setup.set_up(cluster.admin, name="shop", host="127.0.0.1",
                                subnet="127.0.0.0/8")
    assert again.link == shared.link and not again.restarted  # it listens already
    assert again.password != shared.password
    _connect(again.link, again.password, cluster, sslmode="require")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(again.link, shared.password, cluster, sslmode="require")
    hba = (cluster.folder / "pg_hba.conf").read_text()
    assert hba.count(server_setup.HBA_BEGIN) == 1
    object.__setattr__(shared, "password", again.password)  # for the tests after this one


def test_another_certificate_or_no_server_or_no_tls_is_said_and_nothing_is_sent(
        shared: server_setup.SharedDatabase, cluster: Cluster) -> None:
    impostor = ShopLink("127.0.0.1", cluster.port, "shop", "shop", b"\x00" * 8)
    with pytest.raises(CertificateMismatchError, match="Nothing was sent"):
        checked_certificate(impostor)
    with psycopg.connect(cluster.admin) as admin:
        free = admin.execute("SELECT 1").fetchone()  # (the server is up)
    assert free == (1,)
    closed = ShopLink("127.0.0.1", 9, "shop", "shop", b"\x00" * 8)
    with pytest.raises(ServerUnreachableError, match="No database server answers"):
        checked_certificate(closed)


def test_a_server_without_tls_is_not_taken_for_a_shared_shop() -> None:
    for cluster in throwaway_cluster():  # a fresh server: TLS off
        with pytest.raises(SharedShopError, match="does not offer an encrypted connection"):
            server_certificate("127.0.0.1", cluster.port)


def test_names_that_are_not_plain_are_refused_before_anything_changes() -> None:
    for name in ("Shop", "1shop", "shop;drop", "", "s" * 41):
        with pytest.raises(server_setup.ServerSetupError, match="small letters"):
            server_setup.set_up("host=/nonexistent", name=name, host="127.0.0.1",
                                subnet="127.0.0.0/8")


def test_no_server_running_says_how_to_install_one(tmp_path: Path) -> None:
    with pytest.raises(server_setup.ServerSetupError, match="No PostgreSQL server is running"):
        server_setup.set_up(f"host={tmp_path} port=1 user=postgres dbname=postgres",
                            host="127.0.0.1", subnet="127.0.0.0/8")
    assert "apt install postgresql" in server_setup.install_advice("Linux")
    assert "postgresql.org" in server_setup.install_advice("Windows")
    assert "Postgres.app" in server_setup.install_advice("Darwin")


def test_a_user_who_may_not_change_the_server_is_told_the_command(cluster: Cluster) -> None:
    with psycopg.connect(cluster.admin, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS clerk")
        admin.execute("CREATE ROLE clerk LOGIN")
    with pytest.raises(server_setup.NeedsServerAdminError) as caught:
        server_setup.set_up(f"host={cluster.folder} port={cluster.port} user=clerk "
                            "dbname=postgres", host="127.0.0.1", subnet="127.0.0.0/8")
    assert caught.value.command == "sudo -u postgres crm-desktop server setup --subnet 127.0.0.0/8"


def test_the_terminal_command_prints_the_code_and_the_password_once(
        shared: server_setup.SharedDatabase, cluster: Cluster,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "setup", "--admin", cluster.admin, "--name", "shop",
                 "--host", "127.0.0.1", "--subnet", "127.0.0.0/8"]) == 0
    out = capsys.readouterr()
    code = next(line.split()[-1] for line in out.out.splitlines()
                if line.startswith("Connection code:"))
    password = next(line.split()[-1] for line in out.out.splitlines()
                    if line.startswith("Password:"))
    assert read_code(code) == ShopLink("127.0.0.1", cluster.port, "shop", "shop",
                                       shared.link.fingerprint[:8])
    _connect(shared.link, password, cluster, sslmode="require")
    assert "Restarting" not in out.err and "Checking the PostgreSQL server" in out.err
    square = "\n".join(line for line in out.out.splitlines() if line and set(line) <= set("█▀▄ "))
    assert read_square(square) == [code]  # scanned off the terminal at the other desk
    assert password not in out.err
    object.__setattr__(shared, "password", password)
