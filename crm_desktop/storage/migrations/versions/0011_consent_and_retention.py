"""Marketing consent per customer and channel; when a customer was erased or kept at a
retention review; restores in the audit trail.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:49:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ("create", "update", "delete", "sign_in", "sign_in_failed")
CHANNELS = ("post", "email", "phone", "sms")
METHODS = ("in_person", "phone", "in_writing", "email", "online_form")


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table('marketing_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', _enum('consent_channel', CHANNELS), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', _enum('consent_method', METHODS), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_marketing_consents_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_marketing_consents_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_marketing_consents_updated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_consents'))
    )
    with op.batch_alter_table('marketing_consents', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_consents_channel_given',
                              ['channel', 'given', 'customer_id'], unique=False)
        batch_op.create_index('uq_marketing_consents_customer_channel',
                              ['customer_id', 'channel'], unique=True)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retention_kept_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # Customers erased before this revision are known by the name an erasure gives.
    op.execute("UPDATE customers SET erased_at = updated_at WHERE first_name = '' AND "
               "last_name = '' AND company LIKE 'Erased customer C-%'")

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entries_audit_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_entries_audit_action'),
                                         sa.column('action').in_((*ACTIONS, "restore")))


def downgrade() -> None:
    op.execute("DELETE FROM audit_entries WHERE action = 'restore'")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entries_audit_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_entries_audit_action'),
                                         sa.column('action').in_(ACTIONS))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('retention_kept_at')
        batch_op.drop_column('erased_at')
    op.drop_table('marketing_consents')
