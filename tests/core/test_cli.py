from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from crm_desktop import __version__
from crm_desktop.cli import main
from crm_desktop.models import Customer, HistoryEntry, Invoice
from crm_desktop.paths import AppPaths
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import head_revision


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_db_upgrade_and_current_use_the_data_folder(app_home: AppPaths,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.startswith("empty")
    assert main(["db", "upgrade"]) == 0
    assert app_home.database_file.exists()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{head_revision()} (up to date)"


def test_database_option_and_environment_variable(tmp_path: object, app_home: AppPaths,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = app_home.data_dir / "other.sqlite3"
    assert main(["--database", f"sqlite:///{elsewhere}", "db", "upgrade"]) == 0
    assert elsewhere.exists()
    from_env = app_home.data_dir / "env.sqlite3"
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{from_env}")
    assert main(["db", "upgrade"]) == 0
    assert from_env.exists()
    assert not app_home.database_file.exists()


def test_demo_data_fills_every_area(app_home: AppPaths,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-data", "--customers", "40", "--history-per-customer", "3"]) == 0
    assert "added 40 customers, 120 history entries" in capsys.readouterr().out
    database = Database(app_home.default_database_url())
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 40
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == 120
        assert session.scalar(select(func.count()).select_from(Invoice)) > 10
    database.dispose()
    # Running it again adds more, without clashing ids or numbers.
    assert main(["demo-data", "--customers", "10"]) == 0


def test_a_newer_database_gives_a_clear_message(app_home: AppPaths,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    database = Database(app_home.default_database_url())
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'abc_future'"))
    database.dispose()
    assert main(["db", "upgrade"]) == 1
    assert "newer version of CRM Desktop" in capsys.readouterr().err
