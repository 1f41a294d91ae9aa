"""Importing and exporting through the GUI, as the owner would on the first day."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.transfer.export_dialog import ExportDialog, Scope
from crm_desktop.gui.transfer.import_dialog import ImportDialog
from crm_desktop.gui.transfer.preview_model import Column, Show
from crm_desktop.models import ContactKind, Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.transfer.contact_files import FileFormat
from crm_desktop.services.transfer.import_service import Decision, MatchKind
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"


def open_import(window: MainWindow, qtbot: QtBot) -> ImportDialog:
    window.import_action.trigger()
    dialog = window.transfer.import_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def choose(dialog: ImportDialog, path: Path, qtbot: QtBot,
           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *_a, **_k: (str(path), "Contacts (*.csv *.vcf)"))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)


def next_page(dialog: ImportDialog, qtbot: QtBot) -> None:
    assert dialog.next_button.isEnabled(), dialog.status.text()
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)


def test_the_first_day_500_contacts_20_known_merged_again_nothing_then_undo(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor, qtbot: QtBot,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people = CustomerService(db)
    for i in range(20):
        people.create(CustomerInput(first_name=f"Known{i}", last_name="Øster", contacts=[
            ContactInput(ContactKind.EMAIL, f"known{i}@example.com")]), owner)
    rows = ["First Name,Last Name,E-mail 1 - Value,Labels,Notes"]
    rows += [f"Known{i},Øster,known{i}@example.com,* myContacts ::: Regulars,Met at the fair"
             for i in range(20)]
    rows += [f"Neu{i},Müller-Lüdenscheidt,neu{i}@example.com,,\"Line one\nline two\""
             for i in range(480)]
    path = tmp_path / "google contacts.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = make_window()
    listed = CustomerListService(db)

    dialog = open_import(window, qtbot)
    choose(dialog, path, qtbot, monkeypatch)
    assert dialog.chosen_format() is FileFormat.GOOGLE
    assert dialog.read_summary.text() == "Read as Google Contacts (CSV): 500 contacts."
    next_page(dialog, qtbot)
    assert dialog.pages.currentWidget() is dialog.preview_page
    assert dialog.preview_summary.text().startswith(
        "500 contacts: 480 new, 20 already customers, 0 possibly customers, 0 cannot be "
        "imported. Import will create 480, add to 20 customers we have and skip 0.")
    dialog.show_combo.setCurrentIndex(Show.DUPLICATES)
    model = dialog.preview_model
    assert model.rowCount() == 20
    assert model.index(0, Column.FOUND).data() == "Same as Known0 Øster (same e-mail)"
    assert model.index(0, Column.DECISION).data() == "Merge into it"
    next_page(dialog, qtbot)  # Import
    assert dialog.pages.currentWidget() is dialog.done_page
    assert "500 contacts" not in dialog.done_summary.text()
    assert "480 created, 20 updated" in dialog.done_summary.text()
    assert listed.count(CustomerFilter()) == 500
    qtbot.waitUntil(lambda: window.customers.list_model.rowCount() == 500)
    assert "Imported: 480 created, 20 updated" in window.statusBar().currentMessage()
    next_page(dialog, qtbot)  # Close

    again = open_import(window, qtbot)
    choose(again, path, qtbot, monkeypatch)
    next_page(again, qtbot)
    assert again.preview_summary.text().startswith("500 contacts: 0 new, 500 already")
    next_page(again, qtbot)
    assert "0 created, 0 updated, 500 already up to date" in again.done_summary.text()
    assert listed.count(CustomerFilter()) == 500
    next_page(again, qtbot)

    imports = window.transfer.show_imports()
    assert imports.table.rowCount() == 2
    imports.table.selectRow(1)  # the first import, the older row
    qtbot.mouseClick(imports.undo_button, Qt.MouseButton.LeftButton)
    assert listed.count(CustomerFilter()) == 20
    assert imports.table.item(1, 5).text().startswith("undone")
    assert not imports.undo_button.isEnabled()
    qtbot.waitUntil(lambda: window.customers.list_model.rowCount() == 20)


def test_a_german_outlook_file_and_an_iphone_vcard_keep_every_accent(
        make_window: Callable[[], MainWindow], db: Database, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    for name, expected_format in (("outlook-de.csv", FileFormat.OUTLOOK),
                                  ("iphone.vcf", FileFormat.VCARD)):
        dialog = open_import(window, qtbot)
        choose(dialog, FIXTURES / name, qtbot, monkeypatch)
        assert dialog.chosen_format() is expected_format
        next_page(dialog, qtbot)
        next_page(dialog, qtbot)
        assert dialog.pages.currentWidget() is dialog.done_page
        next_page(dialog, qtbot)
    people, listed = CustomerService(db), CustomerListService(db)
    names = {people.get(i).display_name for i in listed.matching_ids(CustomerFilter())}
    assert {"Jürgen Müller-Lüdenscheidt", "Grüße Straßmann", "Zoë Weiß",
            "Margo Delacroix-Øster", "José Nuñez"} <= names
    (jose,) = listed.search(CustomerFilter(text="nunez"))
    assert people.get(jose).contacts[0].value == "jose@example.com"


def test_another_csv_asks_for_its_columns_and_remembers_them(
        make_window: Callable[[], MainWindow], db: Database, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    dialog = open_import(window, qtbot)
    choose(dialog, FIXTURES / "other.csv", qtbot, monkeypatch)
    assert dialog.chosen_format() is FileFormat.CSV
    assert dialog.delimiter_combo.currentData() == ";"
    next_page(dialog, qtbot)
    assert dialog.pages.currentWidget() is dialog.mapping_page
    assert dialog.mapping_table.item(0, 1).text() == "Anna Schmidt, Bob Stone"
    assert dialog.chosen_mapping() == ("full_name", "phone", "email", "home.city", "")
    comment = dialog.mapping_combo(4)
    comment.setCurrentIndex(comment.findData("notes"))
    town = dialog.mapping_combo(3)
    town.setCurrentIndex(town.findData(""))
    next_page(dialog, qtbot)
    assert dialog.pages.currentWidget() is dialog.preview_page
    assert dialog.preview_model.index(0, Column.PROBLEMS).data() == ""
    next_page(dialog, qtbot)
    next_page(dialog, qtbot)
    (anna,) = CustomerListService(db).search(CustomerFilter(text="anna schmidt"))
    assert [n.text for n in CustomerService(db).get(anna).notes] == ["Kauft Blumen"]

    later = open_import(window, qtbot)
    choose(later, FIXTURES / "other.csv", qtbot, monkeypatch)
    next_page(later, qtbot)
    assert later.chosen_mapping() == ("full_name", "phone", "email", "", "notes")


def test_rows_with_problems_are_shown_decided_and_saved(
        make_window: Callable[[], MainWindow], qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_import(make_window(), qtbot)
    choose(dialog, FIXTURES / "google.csv", qtbot, monkeypatch)
    next_page(dialog, qtbot)
    dialog.show_combo.setCurrentIndex(Show.PROBLEMS)
    model = dialog.preview_model
    assert [model.index(r, Column.LINE).data() for r in range(model.rowCount())] == [
        "10", "11"]
    assert model.index(1, Column.FOUND).data() == "Cannot be imported"
    assert model.index(0, Column.PROBLEMS).data().startswith(
        "Phone “call me” is not a phone number: left out.")
    dialog.preview_table.selectRow(0)
    qtbot.mouseClick(dialog.decision_buttons[Decision.SKIP], Qt.MouseButton.LeftButton)
    assert model.index(0, Column.DECISION).data() == "Skip"
    assert model.record(0).decision is Decision.SKIP
    assert "skip 2." in dialog.preview_summary.text()
    saved = tmp_path / "problems.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(saved), ""))
    qtbot.mouseClick(dialog.save_problems_button, Qt.MouseButton.LeftButton)
    with saved.open(encoding="utf-8", newline="") as written:
        rows = list(csv.reader(written))
    assert [r[-2] for r in rows[1:]] == ["10", "11"]
    assert dialog.status.text() == "Saved 2 rows to problems.csv."
    assert dialog.preview is not None
    assert dialog.preview.rows[-1].match.kind is MatchKind.REJECTED


def test_a_file_that_is_not_contacts_says_what_it_is_and_cannot_go_on(
        make_window: Callable[[], MainWindow], qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_import(make_window(), qtbot)
    choose(dialog, FIXTURES / "not-contacts.csv", qtbot, monkeypatch)
    assert dialog.read_summary.text() == "This is a PDF document, not a list of contacts."
    assert not dialog.next_button.isEnabled()
    choose(dialog, FIXTURES / "missing.csv", qtbot, monkeypatch)
    assert dialog.read_summary.text() == "This file cannot be opened: No such file or directory."


def test_export_the_list_or_the_selection_from_the_list_page(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor, qtbot: QtBot,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people = CustomerService(db)
    for name in ("Anna", "Bob", "Cy"):
        people.create(CustomerInput(first_name=name, last_name="Øster"), owner)
    window = make_window()
    window.customers.show_list()
    page = window.customers.list_page
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 3)
    page.table.selectRow(1)
    out = tmp_path / "some.vcf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), ""))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.scopes.checkedId() == Scope.SELECTION
    assert dialog.scopes.button(Scope.SELECTION).text() == "The selected customers (1)"
    dialog.formats.button(1).setChecked(True)  # vCards
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(out.exists)
    qtbot.waitUntil(lambda: "Exported 1 customers to some.vcf"
                    in window.statusBar().currentMessage())
    assert out.read_text(encoding="utf-8").count("BEGIN:VCARD") == 1


def test_the_receptionist_cannot_import_or_export(
        qtbot: QtBot, db: Database, owner: Actor, app_home: object) -> None:
    from crm_desktop.gui.app import build_main_window
    from crm_desktop.gui.shared.ui_state import open_ui_state

    desk = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    window = build_main_window(db, desk, open_ui_state(app_home))  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert not window.import_action.isEnabled()
    assert not window.export_customers_action.isEnabled()
    assert not window.customers.list_page.export_button.isVisibleTo(window)


def test_export_the_whole_shop_from_the_file_menu(
        make_window: Callable[[], MainWindow], qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    out = tmp_path / "shop.zip"
    offered: list[str] = []

    def save_as(_parent: object, _title: str, name: str, _kinds: str) -> tuple[str, str]:
        offered.append(name)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.export_all_action.trigger()
    qtbot.waitUntil(lambda: "Exported the whole shop to shop.zip"
                    in window.statusBar().currentMessage())
    assert offered == ["Corner Shop 2026-03-02.zip"]
    with zipfile.ZipFile(out) as archive:
        assert "manifest.json" in archive.namelist()
