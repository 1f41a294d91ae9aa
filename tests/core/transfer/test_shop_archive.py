"""*Export everything*: every table, every row, readable, and no secret in it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crm_desktop.actor import Actor
from crm_desktop.cli import main
from crm_desktop.demo_data import generate
from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models import Base, Role, User
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.transfer.shop_archive import ARCHIVE_FORMAT, export_shop
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import head_revision
from tests.passwords import FIRST_PASSWORD

SECRET = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0c2FsdA$known-hash-never-exported"


def test_the_whole_shop_is_in_the_archive_and_no_password_hash(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    generate(any_db, customers=30, history_per_customer=3, seed=7)
    with any_db.transaction(any_owner, None) as session:  # as the sign-in issue will store it
        session.execute(update(User).values(password_hash=SECRET))
    path = tmp_path / "shop.zip"
    counts = export_shop(any_db, path, any_owner)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert (manifest["format"], manifest["version"]) == (ARCHIVE_FORMAT, 1)
        assert manifest["schema_revision"] == head_revision()
        assert set(manifest["tables"]) == {t.name for t in Base.metadata.sorted_tables}
        assert manifest["tables"]["users"]["withheld"] == ["password_hash"]
        with any_db.read() as session:
            for table in Base.metadata.sorted_tables:
                rows = [json.loads(line) for line in
                        archive.read(f"tables/{table.name}.jsonl").splitlines()]
                expected = session.scalar(select(func.count()).select_from(table))
                assert len(rows) == counts[table.name] == expected, table.name
        customers = [json.loads(line) for line in archive.read(
            "tables/customers.jsonl").splitlines()]
        assert customers[0]["lifetime_value"].count(".") == 1  # money as a decimal string
        assert "+00:00" in customers[0]["created_at"]  # times with their offset
        assert b"README.txt" in b"".join(n.encode() for n in archive.namelist())
        for name in archive.namelist():
            assert SECRET.encode() not in archive.read(name), name
    assert counts["customers"] == 30
    assert not list(tmp_path.glob("*.part"))


def test_only_the_owner_and_from_the_command_line(db: Database, owner: Actor,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    desk = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError):
        export_shop(db, tmp_path / "x.zip", desk)
    assert main(["export", "all", str(tmp_path / "all.zip")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote the whole shop to {tmp_path / 'all.zip'}: 0 customers, ")
    assert zipfile.is_zipfile(tmp_path / "all.zip")
