"""Customer search: a folded search table, FTS5 trigram on SQLite, pg_trgm on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:02:57
"""

import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("name", "company", "emails", "digits", "other")
FTS_COLUMNS = ", ".join(COLUMNS)
NEW_VALUES = ", ".join(f"new.{c}" for c in COLUMNS)
OLD_VALUES = ", ".join(f"old.{c}" for c in COLUMNS)


def upgrade() -> None:
    op.create_table(
        "customer_search",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("emails", sa.Text(), nullable=False),
        sa.Column("digits", sa.Text(), nullable=False),
        sa.Column("other", sa.Text(), nullable=False),
        sa.Column("all_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_search_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_search")),
    )
    op.create_index("ix_customer_search_name", "customer_search", ["name"])
    op.create_index("ix_customer_search_company", "customer_search", ["company"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # Trigram: any 3+ character fragment matches ("0134" inside a phone number).
        op.execute(
            f"CREATE VIRTUAL TABLE customer_fts USING fts5({FTS_COLUMNS}, "
            "content='customer_search', content_rowid='customer_id', tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER customer_search_ai AFTER INSERT ON customer_search BEGIN "
            f"INSERT INTO customer_fts(rowid, {FTS_COLUMNS}) VALUES (new.customer_id, {NEW_VALUES}); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER customer_search_ad AFTER DELETE ON customer_search BEGIN "
            f"INSERT INTO customer_fts(customer_fts, rowid, {FTS_COLUMNS}) "
            f"VALUES ('delete', old.customer_id, {OLD_VALUES}); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER customer_search_au AFTER UPDATE ON customer_search BEGIN "
            f"INSERT INTO customer_fts(customer_fts, rowid, {FTS_COLUMNS}) "
            f"VALUES ('delete', old.customer_id, {OLD_VALUES}); "
            f"INSERT INTO customer_fts(rowid, {FTS_COLUMNS}) VALUES (new.customer_id, {NEW_VALUES}); "
            "END"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_customer_search_all_text_trgm ON customer_search "
            "USING gin (all_text gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_customer_search_digits_trgm ON customer_search "
            "USING gin (digits gin_trgm_ops)"
        )
    _backfill()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("customer_search_ai", "customer_search_ad", "customer_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS customer_fts")
    op.drop_table("customer_search")


# ---- backfill: a frozen copy of the document rules as they were at this revision ----------

_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(
        _UNDECOMPOSABLE
    )


def _phone_digits(e164: str) -> str:
    digits = e164.lstrip("+")
    try:
        national = str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return digits
    return f"{digits} {national}" if national != digits else digits


def _backfill() -> None:
    bind = op.get_bind()
    search = sa.table(
        "customer_search",
        *(sa.column(c) for c in ("customer_id", *COLUMNS, "all_text")),
    )
    customers = bind.execute(
        sa.text(
            "SELECT id, first_name, last_name, company FROM customers "
            "WHERE deleted_at IS NULL ORDER BY id"
        )
    ).all()
    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    for customer_id, kind, normalized in bind.execute(
        sa.text("SELECT customer_id, kind, normalized FROM contact_points")
    ):
        (phones if kind == "phone" else emails)[customer_id].append(normalized)
    other: dict[int, list[str]] = defaultdict(list)
    for query in (
        "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id",
        "SELECT customer_id, text FROM preferences",
        "SELECT customer_id, text FROM personal_notes",
    ):
        for customer_id, text in bind.execute(sa.text(query)):
            other[customer_id].append(text)
    rows = []
    for customer_id, first, last, company in customers:
        name = _fold(" ".join(p for p in (first, last) if p))
        folded_company = _fold(company or "")
        folded_emails = " ".join(e.casefold() for e in emails[customer_id])
        folded_other = _fold(" ".join(other[customer_id]))
        rows.append(
            {
                "customer_id": customer_id,
                "name": name,
                "company": folded_company,
                "emails": folded_emails,
                "digits": " ".join(_phone_digits(p) for p in phones[customer_id]),
                "other": folded_other,
                "all_text": " ".join(
                    p for p in (name, folded_company, folded_emails, folded_other) if p
                ),
            }
        )
    for start in range(0, len(rows), 5000):
        bind.execute(search.insert(), rows[start : start + 5000])
