"""The connection code, the server's certificate checked by its fingerprint, and the link a
desk keeps (its password in the keyring, never in a file)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.errors import NoKeyringError

from crm_desktop.errors import ValidationError
from crm_desktop.paths import AppPaths
from crm_desktop.storage.shared_shop import (
    SharedShopError,
    ShopLink,
    code_square,
    connection_code,
    keep_link,
    read_code,
    saved_link,
    shared_url,
)
from tests.keyrings import MemoryKeyring
from tests.squares import read_square

FINGERPRINT = hashlib.sha256(b"a certificate").digest()
LINK = ShopLink("192.168.1.20", 5432, "crm", "crm", FINGERPRINT)


def test_a_code_is_short_and_carries_the_whole_link_but_only_the_start_of_the_fingerprint(
) -> None:
    code = connection_code(LINK)
    assert code.startswith("CRM-") and len(code) <= 50
    link = read_code(code)
    assert (link.host, link.port, link.database, link.user) == ("192.168.1.20", 5432, "crm",
                                                                "crm")
    assert link.fingerprint == FINGERPRINT[:8] and link.matches(b"a certificate")
    assert not link.matches(b"another certificate")


def test_a_code_is_read_as_people_type_it() -> None:
    code = connection_code(LINK)
    assert read_code(f"  {code.lower().replace('-', ' ')} ") == read_code(code)
    assert read_code(code.replace("0", "O").replace("1", "l")) == read_code(code)


def test_every_single_mistyped_character_is_caught() -> None:
    code = connection_code(LINK)
    for position, typed in enumerate(code):
        if position < 4 or typed == "-":
            continue
        for replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
            if replacement != typed:
                with pytest.raises(ValidationError) as caught:
                    read_code(code[:position] + replacement + code[position + 1:])
                assert caught.value.field == "code"


@given(st.text(max_size=300))
def test_anything_that_is_not_a_code_is_refused_clearly(text: str) -> None:
    try:
        read_code(text)
    except ValidationError as exc:
        assert exc.field == "code" and "connection code" in exc.message


@given(st.one_of(st.ip_addresses(v=4).map(str),
                 st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,5})?", fullmatch=True)),
       st.integers(min_value=1, max_value=65535),
       st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
       st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
       st.binary(min_size=32, max_size=32))
def test_every_link_survives_its_code(host: str, port: int, database: str, user: str,
                                      fingerprint: bytes) -> None:
    link = read_code(connection_code(ShopLink(host, port, database, user, fingerprint)))
    assert link == ShopLink(host, port, database, user, fingerprint[:8])


def test_a_terminal_draws_the_code_as_a_square_a_camera_reads() -> None:
    code = connection_code(ShopLink("192.168.1.20", 5432, "crm", "crm", bytes(range(32))))
    square = code_square(code)
    lines = square.splitlines()
    assert len(lines) < 25 and len({len(line) for line in lines}) == 1  # fits a terminal
    assert set(square) <= set("█▀▄ \n")
    assert read_square(square) == [code]


def test_a_desk_keeps_the_link_in_a_file_and_the_password_in_the_keyring(
        app_home: AppPaths, memory_keyring: MemoryKeyring) -> None:
    assert saved_link(app_home) is None and shared_url(app_home) is None
    keep_link(app_home, read_code(connection_code(LINK)), b"a certificate", "K7QM-3XTA")
    kept = (app_home.config_dir / "shared-shop.json").read_text()
    assert "K7QM" not in kept and json.loads(kept)["fingerprint"] == FINGERPRINT.hex()
    assert saved_link(app_home) == LINK
    assert list(memory_keyring.passwords.values()) == ["K7QM-3XTA"]
    url = shared_url(app_home)
    assert url is not None and "sslmode=verify-ca" in url and ":K7QM-3XTA@192.168.1.20" in url
    assert "shared-shop.crt" in url


def test_a_lost_password_or_no_keyring_is_said_plainly(
        app_home: AppPaths, memory_keyring: MemoryKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    keep_link(app_home, LINK, b"a certificate", "K7QM-3XTA")
    memory_keyring.passwords.clear()
    with pytest.raises(SharedShopError, match="not in this computer's keyring"):
        shared_url(app_home)

    def no_keyring(*_args: object) -> None:
        raise NoKeyringError("none")

    monkeypatch.setattr(memory_keyring, "get_password", no_keyring)
    with pytest.raises(SharedShopError, match="no password keyring"):
        shared_url(app_home)


def test_a_damaged_link_file_says_what_to_do(app_home: AppPaths) -> None:
    (app_home.config_dir / "shared-shop.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SharedShopError, match="Connect again"):
        saved_link(app_home)
