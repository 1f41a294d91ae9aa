"""Imports: each batch, what it did to each customer (for undo), and where customers came from

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:24:42.409592
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=20), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_import_batches_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_table('customer_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_customer_sources_batch_id_import_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_sources_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_sources')),
    sa.UniqueConstraint('source', 'external_id', name='uq_customer_sources_key')
    )
    with op.batch_alter_table('customer_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_sources_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_sources_customer_id'), ['customer_id'], unique=False)

    op.create_table('import_batch_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('created', 'updated', 'merged', name='import_action', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('added', sa.Text(), nullable=False),
    sa.Column('version_after', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_import_batch_items_batch_id_import_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_import_batch_items_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch_items'))
    )
    with op.batch_alter_table('import_batch_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_import_batch_items_customer', ['customer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('import_batch_items', schema=None) as batch_op:
        batch_op.drop_index('ix_import_batch_items_customer')
        batch_op.drop_index(batch_op.f('ix_import_batch_items_batch_id'))

    op.drop_table('import_batch_items')
    with op.batch_alter_table('customer_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_sources_customer_id'))
        batch_op.drop_index(batch_op.f('ix_customer_sources_batch_id'))

    op.drop_table('customer_sources')
    op.drop_table('import_batches')
