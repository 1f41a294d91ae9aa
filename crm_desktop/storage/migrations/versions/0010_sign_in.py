"""Sign-in: password state per person, failed sign-ins, the viewer role, sign-in entries in
the audit trail and each entry's customer (for a profile's history of changes).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("owner", "receptionist", "viewer")
ACTIONS = ("create", "update", "delete", "sign_in", "sign_in_failed")
# The tables whose rows belong to one customer, as this revision has them.
CUSTOMER_TABLES = ("addresses", "contact_points", "follow_ups", "history_entries",
                   "important_dates", "invoices", "orders", "personal_notes", "preferences",
                   "queries", "feedback", "query_events", "order_events")


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), sa.column('role').in_(ROLES))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f('ck_audit_entries_audit_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_entries_audit_action'),
                                         sa.column('action').in_(ACTIONS))
        batch_op.create_index('ix_audit_entries_customer', ['customer_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_user', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_action', ['action', 'at'], unique=False)

    # Earlier entries learn their customer where the row they describe is still there.
    op.execute("UPDATE audit_entries SET customer_id = entity_id WHERE entity = 'customers'")
    for table in CUSTOMER_TABLES:
        op.execute(
            f"UPDATE audit_entries SET customer_id = (SELECT t.customer_id FROM {table} t "
            f"WHERE t.id = audit_entries.entity_id) WHERE entity = '{table}'")

    op.create_table('sign_in_failures',
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name_key', name=op.f('pk_sign_in_failures'))
    )


def downgrade() -> None:
    op.drop_table('sign_in_failures')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_action')
        batch_op.drop_index('ix_audit_entries_user')
        batch_op.drop_index('ix_audit_entries_customer')
        batch_op.drop_constraint(op.f('ck_audit_entries_audit_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_entries_audit_action'),
                                         sa.column('action').in_(ACTIONS[:3]))
        batch_op.drop_column('customer_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), sa.column('role').in_(ROLES[:2]))
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
