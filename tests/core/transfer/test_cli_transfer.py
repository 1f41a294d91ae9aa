"""``crm-desktop import`` and ``crm-desktop export`` from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crm_desktop.actor import Actor
from crm_desktop.cli import main
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.storage.database import Database

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"


def test_import_dry_run_then_for_real_then_again_then_undo(
        db: Database, owner: Actor, capsys: pytest.CaptureFixture[str]) -> None:
    file = str(FIXTURES / "outlook-de.csv")
    listed = CustomerListService(db)
    assert main(["import", file, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "outlook-de.csv: Outlook (CSV), cp1252, separated by ';': 3 contacts" in out
    assert "dry run: nothing was changed" in out
    assert listed.count(CustomerFilter()) == 0
    assert main(["import", file]) == 0
    assert "import 1: 3 created, 0 updated" in capsys.readouterr().out
    assert main(["import", file, "--on-duplicate", "skip"]) == 0
    out = capsys.readouterr().out
    assert "line 2: Jürgen Müller-Lüdenscheidt: Same as Jürgen Müller-Lüdenscheidt (the same " \
        "contact, imported before) -> Skip" in out
    assert "import 2: 0 created, 0 updated, 3 skipped" in out
    assert listed.count(CustomerFilter()) == 3
    assert main(["import", "--list"]) == 0
    assert "outlook-de.csv  3 created, 0 updated  Olivia Owner" in capsys.readouterr().out
    assert main(["import", "--undo", "1"]) == 0
    assert "3 customers removed, 0 put back as they were" in capsys.readouterr().out
    assert listed.count(CustomerFilter()) == 0


def test_a_file_that_is_not_contacts_is_a_message_not_a_traceback(
        db: Database, owner: Actor, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(FIXTURES / "not-contacts.csv")]) == 1
    assert capsys.readouterr().err == (
        "crm-desktop: This is a PDF document, not a list of contacts.\n")
    assert main(["import", str(FIXTURES / "missing.csv")]) == 2


def test_export_customers_as_csv_and_vcard(db: Database, owner: Actor, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(FIXTURES / "iphone.vcf")]) == 0
    assert main(["export", "customers", "--vcard", str(tmp_path / "all.vcf")]) == 0
    assert "wrote 3 customers" in capsys.readouterr().out
    assert (tmp_path / "all.vcf").read_text(encoding="utf-8").count("BEGIN:VCARD") == 3
    assert main(["export", "customers", "--csv", str(tmp_path / "vip.csv"), "--tag", "VIP"]) == 0
    with (tmp_path / "vip.csv").open(encoding="utf-8", newline="") as written:
        assert len(list(csv.reader(written))) == 2  # the header and Margo
    assert not list(tmp_path.glob("*.part"))
