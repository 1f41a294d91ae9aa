"""Front-desk search on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), through one service."""

from __future__ import annotations

import pytest

from crm_desktop.actor import Actor
from crm_desktop.models import ContactKind, PreferenceKind
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_search import parse
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.storage.database import Database


@pytest.fixture
def shop(any_db: Database, any_owner: Actor) -> dict[str, int]:
    service = CustomerService(any_db)
    people = {
        "Jim": CustomerInput(first_name="Jim", last_name="Hart", tags=["VIP"], contacts=[
            ContactInput(ContactKind.PHONE, "+1 (555) 013-4567"),
            ContactInput(ContactKind.EMAIL, "jim.hart@example.com")], preferences=[
            PreferenceInput(PreferenceKind.SERVICE_STYLE, "Likes time to consider")]),
        "Margo": CustomerInput(first_name="Margo", last_name="Ñúñez", contacts=[
            ContactInput(ContactKind.PHONE, "+1 555 013 9999")]),
        "Alecia": CustomerInput(first_name="Alecia", last_name="Jimenez", company="Vet & Co",
                                preferences=[PreferenceInput(PreferenceKind.OTHER,
                                                             "Her cat is at the vet")]),
        "Jimmy": CustomerInput(first_name="Jimmy", last_name="Łukasz", contacts=[
            ContactInput(ContactKind.PHONE, "+44 20 7946 0134")]),
        "Zoë": CustomerInput(first_name="Zoë", last_name="Straße", company="Jim's Garage"),
    }
    return {key: service.create(data, any_owner).id for key, data in people.items()}


def found(db: Database, text: str) -> list[str]:
    rows = CustomerListService(db).page(CustomerFilter(text=text), limit=20)
    return [r.display_name.split()[0] for r in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nunez", ["Margo"]),             # accents ignored
        ("ÑÚÑEZ", ["Margo"]),             # case ignored
        ("strasse", ["Zoë"]),             # ß folds to ss
        ("lukasz", ["Jimmy"]),            # Ł folds to l
        ("0134", ["Jim", "Jimmy"]),       # a fragment of the digits, any formatting
        ("555 0134", ["Jim"]),            # typed with a space
        ("(555) 013-", ["Jim", "Margo"]),
        ("5550134567", ["Jim"]),          # the national number without country code
        ("jim.hart@", ["Jim"]),           # e-mail
        ("vip", ["Jim"]),                 # tag
        ("consider", ["Jim"]),            # preference text
        ("cat is at", ["Alecia"]),        # words anywhere in notes and preferences
        ("vet", ["Alecia"]),
        ("jim hart", ["Jim"]),            # every word must match
        ("zz", []),
        ("%_", []),
    ],
)
def test_finds_by_every_kind_of_fragment(any_db: Database, shop: dict[str, int], query: str,
                                         expected: list[str]) -> None:
    assert sorted(found(any_db, query)) == sorted(expected)


def test_exact_and_prefix_matches_of_names_rank_first(any_db: Database,
                                                      shop: dict[str, int]) -> None:
    # "jim": Jim Hart (exact first name, starts the name) and Jimmy (starts the name) come
    # before Alecia Jimenez (a later word starts with it) is tied with them... and Zoë, whose
    # company merely contains it, comes last.
    ranked = found(any_db, "jim")
    assert ranked[-1] == "Zoë"
    assert set(ranked[:3]) == {"Jim", "Jimmy", "Alecia"}
    assert found(any_db, "jim hart")[0] == "Jim"
    assert found(any_db, "013-4567")[0] == "Jim"


def test_numbers_ending_with_the_digits_come_before_those_containing_them(
        any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    for name, phone in (("Mid", "+1 201 520 1349"), ("End", "+1 201 512 0134")):
        service.create(CustomerInput(first_name=name, contacts=[
            ContactInput(ContactKind.PHONE, phone)]), any_owner)
    assert found(any_db, "0134") == ["End", "Mid"]


def test_exact_number_beats_a_number_that_only_contains_it(any_db: Database,
                                                           shop: dict[str, int]) -> None:
    assert found(any_db, "+1 555 013 9999") == ["Margo"]
    assert found(any_db, "5550139")[0] == "Margo"


def test_index_follows_edits_and_deletes(any_db: Database, any_owner: Actor,
                                         shop: dict[str, int]) -> None:
    service = CustomerService(any_db)
    margo = service.get(shop["Margo"])
    form = margo.as_input()
    form.last_name = "Okafor"
    form.contacts = []
    margo = service.update(margo.id, margo.version, form, any_owner)
    assert found(any_db, "nunez") == []
    assert found(any_db, "okafor") == ["Margo"]
    assert found(any_db, "0139999") == []
    service.delete(margo.id, margo.version, any_owner)
    assert found(any_db, "okafor") == []
    service.restore(margo.id, any_owner)
    assert found(any_db, "okafor") == ["Margo"]


def test_short_queries_match_the_start_of_names(any_db: Database, shop: dict[str, int]) -> None:
    # Names and companies ("Jim's Garage") that start with it.
    assert sorted(found(any_db, "ji")) == ["Alecia", "Jim", "Jimmy", "Zoë"]
    assert found(any_db, "j h") == ["Jim"]


def test_parse_tells_phone_numbers_from_words() -> None:
    assert parse("+1 (555) 013-45").digits == "155501345"
    assert parse("Jim 0134").words == ("jim",)
    assert parse("Jim 0134").digits == "0134"
    assert parse("12").digits is None
    assert parse("   ").is_empty


def test_broad_searches_show_the_best_thousand(db: Database, owner: Actor,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import crm_desktop.services.customers.customer_list_service as list_module
    import crm_desktop.services.customers.customer_search as search_module

    monkeypatch.setattr(list_module, "SEARCH_LIMIT", 5)
    monkeypatch.setattr(search_module, "SEARCH_LIMIT", 5)
    service = CustomerService(db)
    for i in range(8):
        service.create(CustomerInput(first_name=f"Anna{i}", last_name="Miller", contacts=[
            ContactInput(ContactKind.EMAIL, f"anna{i}@gmail.com")]), owner)
    service.create(CustomerInput(first_name="Gmail", last_name="Gus"), owner)
    lister = CustomerListService(db)
    assert lister.count(CustomerFilter(text="gmail")) == 5
    rows = lister.page(CustomerFilter(text="gmail"), limit=50)
    assert len(rows) == 5
    assert rows[0].display_name == "Gmail Gus"  # the name match, though created last
    assert lister.page(CustomerFilter(text="gmail"), offset=5) == []


def test_the_pool_keeps_name_matches_when_other_fields_match_more(
        any_db: Database, any_owner: Actor) -> None:
    from sqlalchemy import select

    from crm_desktop.services.customers.customer_search import candidate_pool

    service = CustomerService(any_db)
    for i in range(6):
        service.create(CustomerInput(first_name=f"Anna{i}", last_name="Miller", contacts=[
            ContactInput(ContactKind.EMAIL, f"anna{i}@gmail.com")]), any_owner)
    gus = service.create(CustomerInput(first_name="Gmail", last_name="Gus"), any_owner).id
    dialect = any_db.engine.dialect.name
    with any_db.read() as session:
        pool = set(session.scalars(candidate_pool(parse("gmail"), dialect, limit=3)))
        assert len(pool) == 3
        assert gus in pool  # a name that starts with it is taken before e-mail matches
        everyone = set(session.scalars(select(candidate_pool(parse("gmail"), dialect)
                                              .subquery().c[0])))
    assert len(everyone) == 7


def test_a_filtered_search_is_cut_after_the_filter(any_db: Database, any_owner: Actor,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import crm_desktop.services.customers.customer_search as search_module

    service = CustomerService(any_db)
    for i in range(6):
        service.create(CustomerInput(first_name=f"Anna{i}", last_name="Miller"), any_owner)
    vips = {service.create(CustomerInput(first_name=f"Zed{i}", last_name="Miller",
                                         tags=["VIP"]), any_owner).id for i in range(2)}
    original = search_module.candidate_pool
    monkeypatch.setattr(
        "crm_desktop.services.customers.customer_list_service.candidate_pool",
        lambda terms, dialect, limit=3, only=(): original(terms, dialect, 3, only))
    lister = CustomerListService(any_db)
    assert set(lister.search(CustomerFilter(text="miller", tag="VIP"))) == vips
    assert len(lister.search(CustomerFilter(text="miller"))) == 3
