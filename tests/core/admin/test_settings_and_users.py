from __future__ import annotations

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import Role
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD, OWNER_PASSWORD


def test_first_run_creates_the_owner_and_shop_settings(any_db: Database) -> None:
    users = UserService(any_db)
    assert users.needs_first_run()
    owner = users.first_run("Olivia Owner", "Corner Shop", "DE", password=OWNER_PASSWORD)
    assert (owner.username, owner.role) == ("olivia.owner", Role.OWNER)
    assert not users.needs_first_run()
    settings = SettingsService(any_db).business()
    assert (settings.shop_name, settings.country, settings.currency) == (
        "Corner Shop", "DE", "EUR")


def test_first_run_reports_every_missing_field(db: Database) -> None:
    with pytest.raises(ValidationError) as caught:
        UserService(db).first_run("  ", "", "ZZ", password=OWNER_PASSWORD)
    assert set(caught.value.errors) == {"owner_name", "shop_name", "country"}
    assert UserService(db).needs_first_run()


def test_first_run_happens_once(db: Database, owner: Actor) -> None:
    with pytest.raises(ValidationError, match="already set up"):
        UserService(db).first_run("Someone Else", "Other Shop", "US", password=OWNER_PASSWORD)


def test_only_the_owner_changes_settings(db: Database, owner: Actor,
                                         receptionist: Actor) -> None:
    service = SettingsService(db)
    with pytest.raises(PermissionDeniedError, match="Only the shop owner"):
        service.save_business(BusinessSettings(shop_name="Mine now"), receptionist)
    service.save_business(BusinessSettings(shop_name="Renamed", currency="GBP",
                                           country="GB", locale="en_GB"), owner)
    assert service.business().shop_name == "Renamed"


def test_settings_are_validated(db: Database, owner: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        SettingsService(db).save_business(
            BusinessSettings(currency="EURO", locale="xx_YY", inactive_after_days=5), owner)
    assert set(caught.value.errors) == {"currency", "locale", "inactive_after_days"}


def test_usernames_stay_unique(db: Database, owner: Actor) -> None:
    users = UserService(db)
    first = users.add("Rita Reception", Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD)
    second = users.add("Rita Reception", Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD)
    assert (first.username, second.username) == ("rita.reception", "rita.reception2")
    assert [u.display_name for u in users.list_active()] == [
        "Olivia Owner", "Rita Reception", "Rita Reception"]


def test_receptionists_cannot_add_users(db: Database, receptionist: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        UserService(db).add("Eve", Role.OWNER, receptionist, first_password=FIRST_PASSWORD)


@pytest.mark.parametrize(("note", "said"), [
    ("Dear {first_name:>99999999},", "Unknown placeholder {first_name:>99999999}"),
    ("Dear {first_name!r},", "Unknown placeholder {first_name!r}"),
    ("Dear {firstname},", "Unknown placeholder {firstname}"),
    ("Dear {first_name,", "A brace is not closed"),
])
def test_a_note_takes_only_the_known_placeholders_bare(db: Database, owner: Actor, note: str,
                                                       said: str) -> None:
    """A width of a hundred million would fill memory when each invoice is printed."""
    service = SettingsService(db)
    with pytest.raises(ValidationError) as refused:
        service.save_business(BusinessSettings(note_first_order=note), owner)
    assert refused.value.errors["note_first_order"].startswith(said)
