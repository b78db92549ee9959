"""sent again: a new screening may replace one sent before from the same device

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FK = 'fk_screening_replaces_id_screening'


def upgrade():
    # On SQLite batch mode copies the table to add the foreign key (with foreign keys off while
    # migrating, see env.py, so no follow-up, alert or PDF is lost). Rows sent before replace
    # nothing.
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_screening_replaces_id'), ['replaces_id'], unique=False
        )
        batch_op.create_foreign_key(FK, 'screening', ['replaces_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_screening_replaces_id'))
        batch_op.drop_column('replaces_id')
