"""Field checks shared by services. Each returns the cleaned value or raises ValidationError
naming the field, with a message a receptionist can act on."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import phonenumbers
from babel.numbers import NumberFormatError, parse_decimal
from email_validator import EmailNotValidError, validate_email

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


def clean_text(field: str, label: str, value: str | None, *, max_length: int,
               required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError.single(field, f"{label} is required.")
    if len(text) > max_length:
        raise ValidationError.single(
            field, f"{label} is too long: {len(text)} characters, at most {max_length}."
        )
    return text


def clean_multiline(field: str, label: str, value: str | None, *, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError.single(
            field, f"{label} is too long: {len(text)} characters, at most {max_length}."
        )
    return text


def normalize_phone(field: str, value: str, default_region: str) -> tuple[str, str]:
    """Return (E.164, display form). National numbers are read in ``default_region``."""
    try:
        number = phonenumbers.parse(value, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError.single(
            field, f"“{value}” is not a phone number ({_phone_reason(exc)})."
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError.single(
            field, f"“{value}” has the wrong number of digits for a phone number."
        )
    # Possible (right length for its country) is enough: numbering plans change faster than
    # phonenumbers' metadata, and refusing a number a customer just gave helps nobody.
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == default_region.upper()
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return e164, phonenumbers.format_number(number, fmt)


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
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError.single(field, f"“{value}” is not a valid e-mail address: {exc}") \
            from exc
    return str(result.normalized)


def parse_number(field: str, label: str, text: str, locale: str) -> Decimal:
    """A number as the shop's locale writes it ("1.234,50" in Germany) as an exact Decimal."""
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError.single(field, f"{label} is required.")
    try:
        return parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError as exc:
        raise ValidationError.single(field, f"“{cleaned}” is not a number.") from exc


def parse_optional_number(field: str, label: str, text: str, locale: str) -> Decimal | None:
    return parse_number(field, label, text, locale) if text.strip() else None


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Ñúñez' -> 'nunez'. Used for sorting and matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_UNDECOMPOSABLE)


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)


def digits_only(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
