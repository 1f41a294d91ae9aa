"""Change notices between desks on PostgreSQL: every statement that writes audit entries
sends, on commit, ``NOTIFY crm_changes`` with the table's schema and the first and last id
it wrote, so the other desk reads exactly those entries (storage/change_feed.py). (Notices go
to the whole database: the schema tells shops kept in schemas of one database apart.) A trigger, so that no way of
writing the trail can forget it. SQLite needs nothing in the schema: a desk there notices
another connection's commit through ``PRAGMA data_version``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE FUNCTION crm_announce_audit_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_id bigint;
    last_id bigint;
BEGIN
    SELECT min(id), max(id) INTO first_id, last_id FROM written;
    IF first_id IS NOT NULL THEN
        PERFORM pg_notify('crm_changes', TG_TABLE_SCHEMA || ' ' || first_id || ' ' || last_id);
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER audit_entries_announce AFTER INSERT ON audit_entries
REFERENCING NEW TABLE AS written FOR EACH STATEMENT
EXECUTE FUNCTION crm_announce_audit_entries()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER audit_entries_announce ON audit_entries")
    op.execute("DROP FUNCTION crm_announce_audit_entries()")
