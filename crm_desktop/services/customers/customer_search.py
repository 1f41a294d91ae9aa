"""Front-desk search: what the receptionist types, turned into candidates and a ranking.

Words of three or more characters match anywhere in names, company, e-mail, tags, preferences
and notes; a run of three or more digits matches any fragment of any phone number, whatever
its formatting. SQLite answers from an FTS5 trigram table, PostgreSQL from trigram GIN
indexes; both rank the same way: an exact name or number first, then names and numbers that
start with what was typed, then those that contain it, then matches in the other fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy import text as sql_text

from crm_desktop.models import Customer, CustomerSearch
from crm_desktop.validation import digits_only, fold, search_words

MIN_FRAGMENT = 3  # trigram indexes need three characters
# A search shows at most this many customers, the best first. Broader queries ("gmail") say
# so and ask for more letters: nobody scrolls through 40,000 matches at the front desk.
SEARCH_LIMIT = 1000
_TOP = "\U0010ffff"  # sorts after every character: [prefix, prefix + _TOP) is a prefix range
_PHONE_LIKE = re.compile(r"^[\d\s()+./-]+$")


@dataclass(frozen=True)
class SearchTerms:
    text: str  # the folded query, spaces collapsed
    words: tuple[str, ...]  # folded words that are not phone digits
    digits: str | None  # phone digits typed, if any

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.digits


def parse(query: str) -> SearchTerms:
    folded = " ".join(fold(search_words(query)).split())
    if _PHONE_LIKE.match(folded) and len(digits_only(folded)) >= MIN_FRAGMENT:
        return SearchTerms(folded, (), digits_only(folded))
    words, digit_runs = [], []
    for word in folded.split():
        if word.isdigit() and len(word) >= MIN_FRAGMENT:
            digit_runs.append(word)
        elif word:
            words.append(word)
    return SearchTerms(folded, tuple(words), "".join(digit_runs) or None)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: Any, pattern: str) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = column.like(pattern, escape="\\")
    return condition


def _starts_a_word(column: Any, fragment: str) -> ColumnElement[bool]:
    f = _escape_like(fragment)
    return or_(_like(column, f"{f}%"), _like(column, f"% {f}%"))


def candidate_ids(terms: SearchTerms, dialect: str) -> Select[Any]:
    """Ids of customers matching every term."""
    long_words = [w for w in terms.words if len(w) >= MIN_FRAGMENT]
    short_words = [w for w in terms.words if len(w) < MIN_FRAGMENT]
    if dialect == "sqlite" and (long_words or terms.digits):
        parts = ['"' + w.replace('"', '""') + '"' for w in long_words]
        if terms.digits:
            parts.append(f'digits : "{terms.digits}"')
        query: Select[Any] = (
            select(literal_column("customer_fts.rowid").label("customer_id"))
            .select_from(sql_text("customer_fts"))
            .where(sql_text("customer_fts MATCH :fts_query").bindparams(
                fts_query=" AND ".join(parts)))
        )
        if short_words:
            query = (
                select(CustomerSearch.customer_id)
                .where(CustomerSearch.customer_id.in_(query))
                .where(*(_starts_a_word(CustomerSearch.all_text, w) for w in short_words))
            )
        return query
    if len(short_words) == 1 and not long_words and not terms.digits:
        # A letter or two alone ("w", "01"): the start of a first name, a last name or a
        # company, which candidate_pool's index ranges find. Looking for a later word would
        # scan every name when few match: 70 ms at a million customers for "01".
        return select(CustomerSearch.customer_id).where(false())
    conditions: list[ColumnElement[bool]] = [
        _like(CustomerSearch.all_text, f"%{_escape_like(w)}%") for w in long_words
    ]
    # Short words narrow down what longer ones found, anywhere; on their own ("j h") they
    # are the start of a name's words, which is what people type first.
    short_column = CustomerSearch.all_text if long_words or terms.digits else CustomerSearch.name
    conditions += [_starts_a_word(short_column, w) for w in short_words]
    if terms.digits:
        conditions.append(_like(CustomerSearch.digits, f"%{terms.digits}%"))
    return select(CustomerSearch.customer_id).where(and_(*conditions))


def candidate_pool(terms: SearchTerms, dialect: str, limit: int = SEARCH_LIMIT,
                   only: Sequence[ColumnElement[bool]] = ()) -> Select[Any]:
    """The ids of at most ``limit`` customers that hold the best matches.

    Names and companies that start with what was typed come from index range scans, first;
    any other match from the trigram index after them. Each part stops after ``limit`` rows
    and the pool keeps the first ``limit`` distinct ids in that order, so even a query
    matching every customer costs a few milliseconds, and the ranking then sorts at most
    ``limit`` rows instead of every part's. ``only`` narrows each part to customers meeting
    those conditions (a status, a tag) before it is cut to ``limit``.
    """
    parts: list[Select[Any]] = []
    if terms.words and not terms.digits:
        phrase = " ".join(terms.words)
        for column in (CustomerSearch.name, CustomerSearch.company):
            parts.append(select(CustomerSearch.customer_id)
                         .where(column >= phrase, column < phrase + _TOP))
        # Last names: the customers' own sort key ("hart jim") and its index.
        parts.append(select(Customer.id).where(
            Customer.deleted_at.is_(None), Customer.sort_name >= phrase,
            Customer.sort_name < phrase + _TOP))
    parts.append(candidate_ids(terms, dialect))
    if only:
        # Filtered first, so that a tag or a status does not empty a pool cut before it.
        parts = [select(Customer.id).where(Customer.id.in_(part), *only) for part in parts]
    subqueries = [part.limit(limit).subquery() for part in parts]
    found = union_all(*(
        select(sq.c[0].label("customer_id"), literal(priority).label("priority"))
        for priority, sq in enumerate(subqueries)
    )).subquery()
    pool = select(found.c.customer_id)
    if dialect == "sqlite":
        # SQLite runs the parts one after another and DISTINCT keeps the first-seen order,
        # so it stops as soon as the best parts have given ``limit`` customers: a broad query
        # ("mar") never reaches the "anywhere" part once the name ranges have filled it.
        return pool.distinct().limit(limit)
    return (pool.group_by(found.c.customer_id)
            .order_by(func.min(found.c.priority), found.c.customer_id).limit(limit))


def relevance(terms: SearchTerms) -> ColumnElement[int]:
    """0 = exact name or number, 1 = starts with it (a number: or ends with it), 2 = contains
    it, 3 = other fields."""
    q = _escape_like(" ".join(terms.words))
    exact: list[ColumnElement[bool]] = []
    prefix: list[ColumnElement[bool]] = []
    inside: list[ColumnElement[bool]] = []
    if q:
        exact.append(CustomerSearch.name == " ".join(terms.words))
        prefix += [_starts_a_word(CustomerSearch.name, " ".join(terms.words)),
                   _like(CustomerSearch.company, f"{q}%")]
        inside += [_like(CustomerSearch.name, f"%{q}%"),
                   _like(CustomerSearch.company, f"%{q}%")]
    if terms.digits:
        spaced = literal(" ") + CustomerSearch.digits + literal(" ")
        exact.append(_like(spaced, f"% {terms.digits} %"))
        prefix.append(_starts_a_word(CustomerSearch.digits, terms.digits))
        # People give the last digits of a number ("the one ending 0134").
        prefix.append(_like(spaced, f"%{terms.digits} %"))
        inside.append(_like(CustomerSearch.digits, f"%{terms.digits}%"))
    whens = [(or_(*group), rank) for rank, group in enumerate((exact, prefix, inside)) if group]
    return case(*whens, else_=3) if whens else literal(3)
