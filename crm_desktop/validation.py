"""Field checks shared by services. Each returns the cleaned value or raises ValidationError
naming the field, with a message a receptionist can act on."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

import phonenumbers
from babel.numbers import NumberFormatError, parse_decimal

from crm_desktop.errors import ValidationError

T = TypeVar("T")


def gather(errors: dict[str, str], check: Callable[[], T], default: T) -> T:
    """``check()``'s value; if it refuses the input, its field errors join ``errors`` and
    ``default`` stands in, so a form is told about every wrong field at once."""
    try:
        return check()
    except ValidationError as exc:
        errors.update(exc.errors)
        return default


# Control characters (C0, DEL, C1) have no place in what people type; tab and newline are
# turned into spaces on one-line fields and kept in multi-line ones. NUL in particular cannot
# be stored on PostgreSQL, so it must go everywhere, not only there.
_CONTROLS = {c: None for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_MULTILINE_CONTROLS = {c: v for c, v in _CONTROLS.items() if chr(c) not in "\t\n"}
# Invisible characters that make a field look filled while it is not: zero-width space and
# joiners, word joiner, BOM, soft hyphen. Inside text they may matter (a joiner in an emoji),
# so they are only trimmed from the ends.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_ONE_LINE_CONTROLS = {**_CONTROLS, 9: " ", 10: " ", 11: " ", 12: " ", 13: " "}


def _storable(field: str, label: str, value: str | None) -> str:
    """NFC-normalised text, or a refusal if it holds a lone surrogate (half of a character
    whose other half was lost on the way, which no database can store)."""
    text = value or ""
    if not isinstance(text, str):
        raise ValidationError.single(field, f"{label} must be text.")
    if text.isascii():  # plain ASCII is NFC already and always encodes
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError.single(
            field, f"{label} holds a broken character (half of an emoji or symbol); "
                   "please type it again.") from None
    return unicodedata.normalize("NFC", text)


def search_words(value: str | None) -> str:
    """What was typed into a search box, as plain words to look for: what no database can
    store (lone surrogates, NUL) and other controls dropped, never an error."""
    text = (value or "").encode("utf-8", "ignore").decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", text).translate(_CONTROLS).split())


def _trim(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _too_long(field: str, label: str, text: str, max_length: int) -> None:
    if len(text) > max_length:
        raise ValidationError.single(
            field, f"{label} is too long: {len(text):,} characters, at most {max_length:,}."
        )


def clean_text(field: str, label: str, value: str | None, *, max_length: int,
               required: bool = False) -> str:
    """One line of text: normalised, controls removed, runs of white space made one space."""
    text = _trim(" ".join(_storable(field, label, value).translate(_ONE_LINE_CONTROLS)
                          .split())) if value != "" else ""
    if required and not text:
        raise ValidationError.single(field, f"{label} is required.")
    _too_long(field, label, text, max_length)
    return text


def clean_multiline(field: str, label: str, value: str | None, *, max_length: int,
                    required: bool = False) -> str:
    """Several lines of text: as ``clean_text`` but newlines and tabs are kept."""
    text = _storable(field, label, value).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.translate(_MULTILINE_CONTROLS)
                      .replace("\u2028", "\n").replace("\u2029", "\n").split("\n"))
    text = _trim(text)
    if required and not text:
        raise ValidationError.single(field, f"{label} is required.")
    _too_long(field, label, text, max_length)
    return text


def number_missing(field: str, label: str, value: Decimal | None) -> dict[str, str]:
    """Why ``value`` is no number at all (missing, NaN, infinity), or an empty dict. Checked
    before any comparison: comparing a signalling NaN raises instead of answering."""
    if value is None:
        return {field: f"{label} is required."}
    if not isinstance(value, Decimal) or not value.is_finite():
        return {field: f"{label} must be a number."}
    return {}


# An import reads each number more than once (as written, in the contact's country, to keep
# two spellings of one number apart, then as the form would): parsed once, remembered. Only
# what fits a field is remembered (a hostile file's megabyte "number" is not kept).
_MEMO_MOST = 254


def normalize_phone(field: str, value: str, default_region: str) -> tuple[str, str]:
    """Return (E.164, display form). National numbers are read in ``default_region``."""
    read = _read_phone if len(value) <= _MEMO_MOST else _read_phone.__wrapped__
    reading = read(value, default_region.upper())
    if isinstance(reading, str):
        raise ValidationError.single(field, reading)
    return reading


@lru_cache(maxsize=4096)
def _read_phone(value: str, region: str) -> tuple[str, str] | str:
    """(E.164, display form), or why it is not a phone number."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        return f"“{value}” is not a phone number ({_phone_reason(exc)})."
    if not phonenumbers.is_possible_number(number):
        return f"“{value}” has the wrong number of digits for a phone number."
    # Possible (right length for its country) is enough: numbering plans change faster than
    # phonenumbers' metadata, and refusing a number a customer just gave helps nobody.
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.italian_leading_zero:  # read back from E.164, the zeros may count otherwise
        return e164, display_phone(e164, region)
    number.extension = None  # as stored: E.164 has no extension
    return e164, _display(number, region)


@lru_cache(maxsize=8192)
def display_phone(e164: str, shop_country: str) -> str:
    """How a stored number is shown, by one rule: the national format for the shop's own
    country ("0161 496 0777" in a British shop), the international one for every other
    ("+49 30 901820"). Anything phonenumbers cannot read is shown as stored."""
    try:
        number = phonenumbers.parse(e164, shop_country.upper() or None)
    except phonenumbers.NumberParseException:
        return e164
    return _display(number, shop_country)


def _display(number: phonenumbers.PhoneNumber, shop_country: str) -> str:
    # By country calling code, not by the number's region: phonenumbers gives no region for
    # a number outside its known ranges (+44 7700 900123), which would then read as foreign.
    national = shop_country.upper() in phonenumbers.region_codes_for_country_code(
        number.country_code or 0)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL
                                      if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _phone_reason(exc: phonenumbers.NumberParseException) -> str:
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code; "
        "start international numbers with +",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a number",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(exc.error_type, "not readable")


def normalize_email(field: str, value: str) -> str:
    """Check syntax only (no network look-up); returns the normalised address."""
    read = _read_email if len(value) <= _MEMO_MOST else _read_email.__wrapped__
    valid, reading = read(value)
    if not valid:
        raise ValidationError.single(field, reading)
    return reading


@lru_cache(maxsize=4096)
def _read_email(value: str) -> tuple[bool, str]:
    """(True, the normalised address), or (False, why it is not one)."""
    # Imported at the first address checked, not at every start (~20 ms).
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415

    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return False, f"“{value}” is not a valid e-mail address: {exc}"
    return True, str(result.normalized)


def parse_number(field: str, label: str, text: str, locale: str) -> Decimal:
    """A number as the shop's locale writes it ("1.234,50" in Germany) as an exact Decimal."""
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError.single(field, f"{label} is required.")
    try:
        number = parse_decimal(cleaned, locale=locale, strict=True)
    except (NumberFormatError, ArithmeticError) as exc:
        raise ValidationError.single(field, f"“{cleaned[:40]}” is not a number.") from exc
    if not number.is_finite():  # Babel reads "NaN" and "Infinity" as numbers
        raise ValidationError.single(field, f"“{cleaned[:40]}” is not a number.")
    return number


def parse_optional_number(field: str, label: str, text: str, locale: str) -> Decimal | None:
    return parse_number(field, label, text, locale) if text.strip() else None


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Ñúñez' -> 'nunez'. Used for sorting and matching."""
    if text.isascii():  # nothing to decompose or replace: a tenth of the time
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_UNDECOMPOSABLE)


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)


def digits_only(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
