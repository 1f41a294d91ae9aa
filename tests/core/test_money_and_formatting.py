from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_desktop.errors import ValidationError
from crm_desktop.formatting import Formatter
from crm_desktop.money import HUNDRED, line_net, round_money, tax_on, totals
from crm_desktop.validation import (
    clean_multiline,
    clean_text,
    digits_only,
    fold,
    number_missing,
    parse_number,
    search_words,
)


@pytest.mark.parametrize(
    ("qty", "price", "discount", "net"),
    [
        ("3", "0.10", "0", "0.30"),
        ("1", "0.125", "0", "0.13"),   # half up, not banker's
        ("2.5", "3.99", "10", "8.98"),  # 8.9775
    ],
)
def test_a_line_net_rounds_half_up_to_the_cent(qty: str, price: str, discount: str,
                                               net: str) -> None:
    assert line_net(Decimal(qty), Decimal(price), Decimal(discount)) == Decimal(net)


def test_readme_worked_example_taxes_the_summed_net_of_each_rate() -> None:
    lines = [(Decimal(1), Decimal("1.25"), Decimal(0), Decimal(19)),
             (Decimal(3), Decimal("0.50"), Decimal(0), Decimal(19)),
             (Decimal(3), Decimal("0.10"), Decimal(0), Decimal(7))]
    result = totals(lines)
    assert result.tax_by_rate == ((Decimal(7), Decimal("0.30"), Decimal("0.02")),
                                  (Decimal(19), Decimal("2.75"), Decimal("0.52")))
    assert (result.net, result.tax, result.gross) == (
        Decimal("3.05"), Decimal("0.54"), Decimal("3.59"))
    # Invoices issued before revision 0007 rounded every line: 0.24 + 0.29 + 0.02.
    old = totals(lines, per_line=True)
    assert old.tax_by_rate[1] == (Decimal(19), Decimal("2.75"), Decimal("0.53"))
    assert old.tax == Decimal("0.55")


_money = st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("99999.99"), places=2)
_line = st.tuples(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(999), places=3),
                  _money,
                  st.decimals(min_value=Decimal(0), max_value=HUNDRED, places=2),
                  st.sampled_from([Decimal(0), Decimal(5), Decimal("7"), Decimal(19),
                                   Decimal("20"), Decimal("8.875"), Decimal("21.5")]))


@given(st.lists(_line, max_size=40), st.booleans())
def test_printed_figures_always_reconcile(lines: list[tuple[Decimal, Decimal, Decimal, Decimal]],
                                          per_line: bool) -> None:
    """What the invoice prints — line amounts, net, tax per rate, total — follows from itself."""
    result = totals(lines, per_line=per_line)
    nets = [line_net(q, p, d) for q, p, d, _r in lines]
    assert result.net == sum(nets, Decimal(0))
    assert result.net == sum((net for _rate, net, _tax in result.tax_by_rate), Decimal(0))
    assert result.tax == sum((tax for _rate, _net, tax in result.tax_by_rate), Decimal(0))
    assert result.gross == result.net + result.tax
    for rate, net, tax in result.tax_by_rate:
        assert net == sum((n for n, line in zip(nets, lines, strict=True)
                           if line[3].normalize() == rate), Decimal(0))
        if per_line:  # each line's printed tax adds up to the rate's tax
            assert tax == sum((tax_on(n, line[3]) for n, line in zip(nets, lines, strict=True)
                               if line[3].normalize() == rate), Decimal(0))
        else:  # the rate's tax is that rate of its printed net, to the cent
            assert tax == tax_on(net, rate)
            assert abs(tax - net * rate / HUNDRED) <= Decimal("0.005")
    for figure in (result.net, result.tax, result.gross):
        assert figure == round_money(figure)


def test_round_money() -> None:
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("-2.675")) == Decimal("-2.68")


def test_formatter_uses_locale_currency_and_local_time() -> None:
    german = Formatter("de_DE", "EUR", zone=timezone(timedelta(hours=1)))
    assert german.money(Decimal("1234.5")) == "1.234,50\xa0€"
    assert german.date_time(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == "02.03.2026, 00:30"
    us = Formatter("en_US", "USD", zone=UTC)
    assert us.money(Decimal("0.3")) == "$0.30"
    now = datetime(2026, 3, 10, tzinfo=UTC)
    assert us.ago(now - timedelta(days=3), now) == "3 days ago"
    assert us.date(None) == ""


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Ñúñez", "nunez"), ("Łukasz Öst", "lukasz ost"), ("Straße", "strasse"),
     ("Ő", "o"), ("ZOË", "zoe")],
)
def test_fold_ignores_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_digits_only() -> None:
    assert digits_only("+1 (555) 013-4567") == "15550134567"


@pytest.mark.parametrize(("typed", "stored"), [
    ("Al\x00ice", "Alice"),                 # NUL: PostgreSQL cannot store it
    ("Jim\x1b[31m \x85 Hart", "Jim[31m Hart"),  # C0 and C1 controls go
    ("  Zoë\t\nMüller ", "Zoë Müller"),       # one line: white space becomes one space
    ("Zoe\u0308", "Zoë"),                     # NFC: the same name is stored the same way
    ("\ufeff\u200bMargo\u200b", "Margo"),     # invisible characters trimmed from the ends
    ("👩\u200d👩\u200d👧", "👩\u200d👩\u200d👧"),  # a joiner inside an emoji stays
])
def test_text_is_normalised_to_what_can_be_stored(typed: str, stored: str) -> None:
    assert clean_text("name", "Name", typed, max_length=100) == stored


def test_text_that_cannot_be_stored_or_is_not_there_is_refused() -> None:
    with pytest.raises(ValidationError, match="broken character"):
        clean_text("name", "Name", "Jo\udc00e", max_length=100)
    with pytest.raises(ValidationError, match="Name is required"):
        clean_text("name", "Name", "\u200b\ufeff", max_length=100, required=True)
    with pytest.raises(ValidationError, match="401 characters, at most 400"):
        clean_text("name", "Name", "x" * 401, max_length=400)


def test_multiline_text_keeps_its_lines_and_loses_its_controls() -> None:
    assert clean_multiline("notes", "Notes", "one\r\ntwo\x00\x07  \rthree\u2028four\n",
                           max_length=100) == "one\ntwo\nthree\nfour"


def test_search_words_never_refuse() -> None:
    assert search_words("Jo\udc00e \x00 Hart") == "Joe Hart"


@pytest.mark.parametrize("typed", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"])
def test_typed_nan_and_infinity_are_not_numbers(typed: str) -> None:
    with pytest.raises(ValidationError, match="is not a number"):
        parse_number("quantity", "Quantity", typed, "en_US")


def test_a_service_is_told_nan_is_no_number_before_comparing_it() -> None:
    assert number_missing("q", "Quantity", Decimal("sNaN")) == {"q": "Quantity must be a number."}
    assert number_missing("q", "Quantity", None) == {"q": "Quantity is required."}
    assert number_missing("q", "Quantity", Decimal("2.5")) == {}
