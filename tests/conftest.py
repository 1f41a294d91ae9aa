"""Shared fixtures: every test gets its own database and its own data/config/log folders.

PostgreSQL: tests that take the ``any_db`` fixture run twice, on SQLite and on the server named
by ``CRM_TEST_POSTGRES_URL`` (each test in a fresh schema). Without that variable the
PostgreSQL half is skipped, unless ``CRM_REQUIRE_POSTGRES=1`` (as in CI) makes it an error.

Printing: the ``printer`` fixture is a real CUPS-PDF queue (started by scripts/test-cups.sh),
named by ``CRM_TEST_PRINTER`` with its output folder in ``CRM_TEST_PRINTER_OUT``; skipped
without them unless ``CRM_REQUIRE_PRINTER=1``.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No example database in the work tree, no deadline (a service call takes a database round
# trip), and in CI the same examples every run, so a red run is reproducible from its log.
settings.register_profile(
    "crm", database=None, deadline=None, derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("crm")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Local time decides what "today" is; pin it so the suite means the same on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

import keyring
from argon2 import PasswordHasher, profiles
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_desktop import passwords
from crm_desktop.actor import Actor
from crm_desktop.models import Role
from crm_desktop.paths import HOME_ENV, AppPaths, app_paths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests import connections
from tests.clusters import Cluster, throwaway_cluster
from tests.keyrings import MemoryKeyring
from tests.passwords import FIRST_PASSWORD, OWNER_PASSWORD

POSTGRES_ENV = "CRM_TEST_POSTGRES_URL"


class FakeClock:
    """A clock the test moves by hand. Starts at a fixed, timezone-aware instant."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


connections.install()  # (tests/connections.py: who owns each connection, where made)


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """Point every folder the app uses at this test's temporary directory."""
    home = tmp_path / "home"
    monkeypatch.setenv(HOME_ENV, str(home))
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    return app_paths().ensure()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """No test reaches this computer's real keyring."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of this module's own (tests/clusters.py), for setting one up."""
    yield from throwaway_cluster()


@pytest.fixture(autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id at its cheapest: the real parameters cost ~0.25 s a hash, and the suite makes
    hundreds. tests/core/admin/test_passwords.py holds the real ones to OWASP's minimum."""
    real = passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
    passwords.use_hasher(real)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        # pg_trgm lives in public, as on a shop's own server, where every test's schema sees
        # it: made in a test's schema, it would go with that schema while another test (on
        # another worker) uses it. The lock keeps two workers from creating it at once.
        connection.execute(text("SELECT pg_advisory_lock(7100)"))
        try:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(7100)"))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict(
        {"options": f"-csearch_path={schema},public"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_schema_url() -> Iterator[str]:
    """A schema of its own on the test server (skipped when there is none, failed when CI
    requires one)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{POSTGRES_ENV} is not set but CRM_REQUIRE_POSTGRES=1")
        pytest.skip(f"set {POSTGRES_ENV} to run against PostgreSQL")
    yield from _postgres_schema_url(base)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, app_home: AppPaths) -> Iterator[str]:
    if request.param == "sqlite":
        yield app_home.default_database_url()
        return
    yield from postgres_schema_url()


@dataclass(frozen=True)
class PrintQueue:
    name: str
    out: Path

    def printed(self, before: set[Path], timeout_s: float = 30) -> list[Path]:
        """The PDFs CUPS-PDF writes after ``before`` was taken. Printing is done by another
        process (the CUPS scheduler), so this waits for its file, polling."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            jobs = subprocess.run(["lpstat", "-o", self.name], capture_output=True, text=True,
                                  check=False).stdout.strip()
            new = sorted(set(self.out.glob("*.pdf")) - before)
            if new and not jobs:
                return new
            time.sleep(0.05)
        raise AssertionError(f"nothing printed to {self.out} in {timeout_s} s")

    def files(self) -> set[Path]:
        return set(self.out.glob("*.pdf"))


@pytest.fixture
def printer() -> Iterator[PrintQueue]:
    """The queue, this test's alone: tests on other workers (pytest-xdist) that print wait
    for it, so each finds only its own jobs in the shared output folder."""
    name, out = os.environ.get("CRM_TEST_PRINTER"), os.environ.get("CRM_TEST_PRINTER_OUT")
    if not name or not out:
        if os.environ.get("CRM_REQUIRE_PRINTER") == "1":
            pytest.fail("CRM_TEST_PRINTER is not set but CRM_REQUIRE_PRINTER=1")
        pytest.skip("set CRM_TEST_PRINTER and CRM_TEST_PRINTER_OUT (scripts/test-cups.sh)")
    with (Path(out) / ".test-lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield PrintQueue(name, Path(out))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, made once per test process: each test
    starts from a copy of it instead of running every migration again (a third of a second a
    test). The migrations themselves are tested in tests/core/storage/test_migrations.py."""
    path = tmp_path_factory.mktemp("template") / "crm.sqlite3"
    template = Database(f"sqlite:///{path}")
    try:
        upgrade(template)
    finally:
        template.dispose()
    return path


def _migrated(url: str, clock: FakeClock, paths: AppPaths,
              template: Path | None = None) -> Iterator[Database]:
    if template is not None:
        target = make_url(url).database
        assert target is not None and not Path(target).exists()
        Path(target).write_bytes(template.read_bytes())
    database = Database(url, clock=clock)
    upgrade(database, paths.backup_dir)  # nothing to do on the template's copy
    yield database
    database.dispose()


@pytest.fixture
def any_db(any_db_url: str, clock: FakeClock, app_home: AppPaths,
           migrated_sqlite_file: Path) -> Iterator[Database]:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    sqlite = make_url(any_db_url).get_backend_name() == "sqlite"
    yield from _migrated(any_db_url, clock, app_home,
                         migrated_sqlite_file if sqlite else None)


@pytest.fixture
def other_desk_db(any_db: Database, clock: FakeClock) -> Iterator[Database]:
    """A second desk on ``any_db``'s database: its own engine and connections."""
    other = Database(any_db.url.render_as_string(hide_password=False), clock=clock)
    yield other
    other.dispose()


@pytest.fixture
def db(clock: FakeClock, app_home: AppPaths, migrated_sqlite_file: Path) -> Iterator[Database]:
    """A migrated SQLite database in this test's data folder."""
    yield from _migrated(app_home.default_database_url(), clock, app_home,
                         migrated_sqlite_file)


def _owner(database: Database) -> Actor:
    return UserService(database).first_run("Olivia Owner", "Corner Shop", "US",
                                           password=OWNER_PASSWORD).as_actor()


@pytest.fixture
def owner(db: Database) -> Actor:
    return _owner(db)


@pytest.fixture
def any_owner(any_db: Database) -> Actor:
    return _owner(any_db)


@pytest.fixture
def receptionist(db: Database, owner: Actor) -> Actor:
    return UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
