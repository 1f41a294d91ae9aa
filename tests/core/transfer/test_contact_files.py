"""Reading address books: every format the issue names, with their real-world quirks."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from crm_desktop.errors import ValidationError
from crm_desktop.models import ContactKind, DateKind, PreferenceKind
from crm_desktop.services.transfer.contact_files import (
    ContactFile,
    FileFormat,
    IncomingContact,
    ReadOptions,
    guess_mapping,
    parse_date,
    read_contacts,
    rejected_rows_csv,
)
from crm_desktop.services.transfer.countries import country_code

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"


def read(name: str, region: str = "US", **options: object) -> ContactFile:
    return read_contacts((FIXTURES / name).read_bytes(), name, region,
                         ReadOptions(**options))  # type: ignore[arg-type]


def by_name(file: ContactFile, last: str) -> IncomingContact:
    return next(c for c in file.contacts if last in (c.data.last_name, c.data.company))


def contacts_of(contact: IncomingContact, kind: ContactKind) -> list[tuple[str, str, bool]]:
    return [(c.value, c.label, c.is_primary) for c in contact.data.contacts if c.kind is kind]


def test_google_csv_today_with_labels_multiple_values_and_a_year_less_birthday() -> None:
    file = read("google.csv")
    assert (file.format, file.encoding, file.delimiter) == (FileFormat.GOOGLE, "utf-8", ",")
    margo = by_name(file, "Delacroix-Øster")
    assert margo.line == 2
    assert margo.data.company == "Øster & Co"
    assert margo.data.tags == ["VIP", "Regulars"]  # "* myContacts" is Google's, not a tag
    assert contacts_of(margo, ContactKind.EMAIL) == [
        ("margo@example.com", "Work", True), ("margo.o@example.org", "Work", False),
        ("margo.home@example.com", "Home", False)]
    assert [v for v, _l, _p in contacts_of(margo, ContactKind.PHONE)] == [
        "+1 555 013 4567", "(555) 013-9999"]  # a US number in a Belgian address still reads
    (address,) = margo.data.addresses
    assert (address.line1, address.line2, address.postal_code, address.city, address.country,
            address.label) == ("12 Rue Haute", "Apt 3", "1000", "Brussels", "BE", "Home")
    assert {(d.kind, d.month, d.day, d.year) for d in margo.data.dates} == {
        (DateKind.BIRTHDAY, 4, 17, 1985), (DateKind.ANNIVERSARY, 6, 12, 2010)}
    assert margo.notes == ['Always in a hurry.\nLikes the "quick" service.',
                           "Nickname: Mags\nJob title: Owner"]
    jose = by_name(file, "Nuñez")
    assert jose.line == 7  # Margo's quoted fields span five lines
    assert [(d.month, d.day, d.year) for d in jose.data.dates] == [(4, 17, None)]
    company = by_name(file, "Müller-Lüdenscheidt GmbH")
    assert contacts_of(company, ContactKind.PHONE) == [("+49301234567", "Work", True)]


def test_a_bad_value_is_left_out_and_named_and_a_row_without_a_name_is_refused() -> None:
    file = read("google.csv")
    bad = by_name(file, "Values")
    assert bad.data.contacts == [] and bad.data.dates == []
    assert bad.problems == [
        "Phone “call me” is not a phone number: left out.",
        "E-mail: “not-an-email” is not a valid e-mail address: An email address must have "
        "an @-sign. Left out.",
        "Birthday “1990-02-31” is not a date: left out."]
    nameless = file.contacts[-1]
    assert nameless.line == 11
    assert nameless.problems == ["No name, company, phone or e-mail: nothing to import."]
    rejected = rejected_rows_csv(file, [bad, nameless]).splitlines()
    assert rejected[0].endswith(",Line,Problems")
    assert rejected[-1].startswith(",,,,,,,,,,,,,,A note with no name,")
    assert rejected[-1].endswith(",11,\"No name, company, phone or e-mail: nothing to import.\"")


def test_the_older_google_header() -> None:
    file = read("google-old.csv")
    assert file.format is FileFormat.GOOGLE
    (jim,) = file.contacts
    assert (jim.data.first_name, jim.data.last_name, jim.data.company) == (
        "Jim", "Baxter", "Baxter Hardware")
    assert jim.data.tags == ["Friends"]
    assert [v for v, _l, _p in contacts_of(jim, ContactKind.PHONE)] == ["555-0100", "555-0101"]
    assert jim.notes[0] == "Likes time to consider"


def test_german_outlook_in_windows_1252_with_semicolons_and_day_first_dates() -> None:
    file = read("outlook-de.csv")
    assert (file.format, file.encoding, file.delimiter, file.day_first) == (
        FileFormat.OUTLOOK, "cp1252", ";", True)
    juergen = by_name(file, "Müller-Lüdenscheidt")
    assert (juergen.data.first_name, juergen.data.company) == ("Jürgen", "Bäckerei Müller")
    assert juergen.data.tags == ["Stammkunde", "Geschäftlich"]
    # A German mobile number written nationally is read in the contact's own country.
    assert contacts_of(juergen, ContactKind.PHONE) == [("+491701234567", "Mobile", True)]
    assert contacts_of(juergen, ContactKind.EMAIL) == [("juergen@bäckerei.de", "", True)]
    assert [(d.kind, d.month, d.day, d.year) for d in juergen.data.dates] == [
        (DateKind.BIRTHDAY, 4, 17, 1960)]  # "Jahrestag" 0.0.00 is Outlook's "none"
    assert juergen.notes == ['Mag "Brötchen"; kommt montags.\nZweite Zeile.']
    assert juergen.problems == []
    zoe = by_name(file, "Weiß")
    assert (zoe.data.addresses[0].city, zoe.data.addresses[0].country) == ("Wien", "AT")
    assert [(d.month, d.day) for d in zoe.data.dates] == [(12, 31)]


def test_french_outlook_with_a_bom_and_english_outlook_in_utf16() -> None:
    french = read("outlook-fr.csv")
    assert (french.format, french.encoding, french.delimiter) == (
        FileFormat.OUTLOOK, "utf-8-sig", ";")
    helene = by_name(french, "Lefèvre")
    assert helene.data.first_name == "Hélène"
    assert helene.data.addresses[0].line1 == "3 rue de l'Église"
    assert [(d.month, d.day, d.year) for d in helene.data.dates] == [(3, 5, 1975)]
    assert by_name(french, "Dupré").data.first_name == "François Xavier"
    english = read("outlook-en.csv")
    assert (english.format, english.encoding, english.day_first) == (
        FileFormat.OUTLOOK, "utf-16", False)
    alecia = by_name(english, "Brown")
    assert [(d.month, d.day, d.year) for d in alecia.data.dates] == [(4, 17, 1985)]
    assert alecia.notes == ["Her cat is at the vet."]
    assert by_name(english, "O'Neil").data.company == "O'Neil, Ltd."


def test_an_iphone_vcard_with_apple_labels_a_photo_and_a_year_less_birthday() -> None:
    file = read("iphone.vcf")
    assert file.format is FileFormat.VCARD
    margo, jose, broken = file.contacts
    assert (margo.line, jose.line, broken.line) == (1, 22, 30)
    assert margo.identity == "uid:8D2A3E62-5B1F-4C4B-9E71-2C3A1F0B9D11"
    assert contacts_of(margo, ContactKind.PHONE) == [
        ("+1 (555) 013-4567", "Mobile", True), ("+1 555 013 8888", "Shop", False)]
    assert contacts_of(margo, ContactKind.EMAIL) == [("margo@example.com", "Other", True)]
    (address,) = margo.data.addresses
    assert (address.line1, address.line2, address.city, address.country) == (
        "12 Rue Haute", "Apt 3", "Brussels", "BE")
    assert [(d.month, d.day, d.year) for d in margo.data.dates] == [(4, 17, None)]  # 1604
    assert margo.notes[0] == "Always in a hurry. Prefers texts, not calls."
    assert margo.data.tags == ["VIP", "Regulars"]
    assert broken.problems and broken.problems[0].startswith("E-mail:")


def test_vcard_21_quoted_printable_in_two_charsets_and_vcard_40() -> None:
    juergen, zoe = read("android-2.1.vcf").contacts
    assert (juergen.data.first_name, juergen.data.last_name) == ("Jürgen", "Müller-Lüdenscheidt")
    assert juergen.notes == ["Kommt montags.\nMag Brötchen, aber nur die frischen."]
    assert juergen.data.addresses[0].city == "Düsseldorf"
    assert [lbl for _v, lbl, _p in contacts_of(juergen, ContactKind.PHONE)] == ["Mobile", "Home"]
    assert (zoe.data.first_name, zoe.data.last_name) == ("Zoë", "Weiß")  # ISO-8859-1
    (lukasz,) = read("vcard-4.0.vcf").contacts
    assert lukasz.data.first_name == "Łukasz"
    assert contacts_of(lukasz, ContactKind.PHONE) == [("+48-601-234-567", "Mobile", True)]
    assert {(d.kind, d.month, d.day, d.year) for d in lukasz.data.dates} == {
        (DateKind.BIRTHDAY, 2, 29, None), (DateKind.ANNIVERSARY, 6, 12, 2010)}


def test_any_other_csv_is_mapped_from_its_header_and_the_mapping_can_be_chosen() -> None:
    file = read("other.csv")
    assert file.format is FileFormat.CSV
    assert file.mapping == ("full_name", "phone", "email", "home.city", "")
    anna = file.contacts[0]
    assert (anna.data.first_name, anna.data.last_name) == ("Anna", "Schmidt")
    assert anna.problems == ["Address has no street: left out."]
    chosen = read("other.csv", mapping=("full_name", "phone", "email", "", "notes"))
    assert chosen.contacts[0].notes == ["Kauft Blumen"]
    assert chosen.contacts[0].problems == []


@pytest.mark.parametrize(("name", "message"), [
    ("not-contacts.csv", "This is a PDF document, not a list of contacts."),
    ("binary.csv", "This is not a text file (it holds binary data), so it is not a list of "
                   "contacts."),
    ("empty.csv", "The file is empty."),
])
def test_files_that_are_not_contacts_are_refused_with_a_clear_message(
        name: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read(name)
    assert caught.value.errors == {"file": message}


def test_more_files_that_are_not_contacts() -> None:
    def refused(content: bytes, **options: object) -> str:
        with pytest.raises(ValidationError) as caught:
            read_contacts(content, "x", "US", ReadOptions(**options))  # type: ignore[arg-type]
        return caught.value.errors["file"]

    assert "ZIP" in refused(b"PK\x03\x04rest of a workbook")
    assert refused(b"just one line of prose\nand another\n") == (
        "This does not look like a table of contacts: its first line has one column only. "
        "Check the separator.")
    assert refused(b"colour,size\nred,big\n").startswith("None of the columns looks like")
    assert refused(b"first name,email\n", format=FileFormat.VCARD) == (
        "This file holds no vCard (no line says BEGIN:VCARD).")
    assert "cannot be read as utf-8" in refused("Prénom;Nom\n".encode("cp1252"),
                                                encoding="utf-8")


def test_a_5000_row_file_generated_here_reads_whole() -> None:
    lines = ["First Name,Last Name,E-mail 1 - Value,Phone 1 - Value"]
    lines += [f"Person{i},Müller{i},p{i}@example.com,(555) {i % 1000:03d}-{i:04d}"
              for i in range(5000)]
    told: list[tuple[int, int]] = []
    file = read_contacts("\n".join(lines).encode(), "big.csv", "US",
                         progress=lambda done, total: told.append((done, total)))
    assert file.format is FileFormat.GOOGLE
    assert len(file.contacts) == 5000
    assert file.contacts[-1].line == 5001
    assert not any(c.problems or c.errors for c in file.contacts)
    # Each record is checked as the form would, as it is read.
    assert file.contacts[7].clean is not None
    assert [c.normalized for c in file.contacts[7].clean.contacts] == [
        "+15550070007", "p7@example.com"]
    assert told == [(n, 5000) for n in range(0, 5000, 500)]


def test_a_vcard_file_tells_how_far_it_has_read() -> None:
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
                    "END:VCARD\r\n" for i in range(1200))
    told: list[tuple[int, int]] = []
    file = read_contacts(cards.encode(), "x.vcf", "US",
                         progress=lambda done, total: told.append((done, total)))
    assert len(file.contacts) == 1200
    assert told == [(0, 1200), (500, 1200), (1000, 1200)]


def test_preferences_and_several_notes_travel_in_google_custom_fields() -> None:
    content = (b"First Name,Notes,Custom Field 1 - Label,Custom Field 1 - Value,"
               b"Custom Field 2 - Label,Custom Field 2 - Value\n"
               b"Jim,\"one\n\n---\n\ntwo\",Preference: best time (pinned),Mornings,"
               b"Shoe size,44\n")
    (jim,) = read_contacts(content, "x.csv", "US").contacts
    assert [(p.kind, p.text, p.pinned) for p in jim.data.preferences] == [
        (PreferenceKind.BEST_TIME, "Mornings", True)]
    assert jim.notes == ["one", "two", "Shoe size: 44"]


@pytest.mark.parametrize(("text", "day_first", "expected"), [
    ("1985-04-17", False, (4, 17, 1985)), ("--04-17", False, (4, 17, None)),
    ("--0417", False, (4, 17, None)), ("19850417", False, (4, 17, 1985)),
    ("17.04.1985", True, (4, 17, 1985)), ("4/17/1985", False, (4, 17, 1985)),
    ("05/03/1975", True, (3, 5, 1975)), ("05/03/1975", False, (5, 3, 1975)),
    ("1604-04-17", False, (4, 17, None)), ("0.0.00", True, None), ("0/0/00", False, None),
    ("", False, None),
])
def test_dates_as_address_books_write_them(text: str, day_first: bool,
                                           expected: tuple[int, int, int | None] | None
                                           ) -> None:
    assert parse_date(text, day_first=day_first) == expected


@pytest.mark.parametrize("text", ["31.02.1990", "April the 17th", "13/13/2000", "1700-01-01"])
def test_dates_that_cannot_be_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_date(text, day_first=True)


def test_countries_by_name_or_code_in_several_languages() -> None:
    assert [country_code(t) for t in ("Deutschland", "Allemagne", "Germany", "DE", "DEU",
                                      "United Kingdom", "UK", "États-Unis", "USA", "España",
                                      "Narnia")] == [
        "DE", "DE", "DE", "DE", "DE", "GB", "GB", "US", "US", "ES", None]


def test_headers_in_three_languages_map_to_the_same_fields() -> None:
    assert guess_mapping(["Vorname", "Nachname", "E-Mail-Adresse", "Mobiltelefon"]) == (
        "first_name", "last_name", "email", "phone.mobile")
    assert guess_mapping(["Prénom", "Nom", "Adresse de messagerie", "Tél. mobile"]) == (
        "first_name", "last_name", "email", "phone.mobile")


def test_utf16_without_a_byte_order_mark() -> None:
    content = "First Name,Last Name,E-mail Address,Mobile Phone,Home Street\nZoë,Weiß,z@x.de,,\n"
    file = read_contacts(content.encode("utf-16-le"), "x.csv", "US")
    assert file.encoding == "utf-16-le"
    assert file.contacts[0].data.last_name == "Weiß"
    with_bom = read_contacts(codecs.BOM_UTF16_BE + content.encode("utf-16-be"), "x", "US")
    assert with_bom.contacts[0].data.first_name == "Zoë"
