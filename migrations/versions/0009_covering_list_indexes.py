"""the worklist's indexes also hold the searched name and reference: a search reads the index,
not the screenings' rows (about 24 KB each with their stored evaluations)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SEARCHED = ['name_search', 'reference_key']
ORDERS = {
    'ix_screening_worklist': ['status', 'red_flag_priority', 'submitted_at', 'id'],
    'ix_screening_newest': ['status', 'submitted_at', 'id'],
}


def _recreate(extra):
    # Plain DROP INDEX / CREATE INDEX on both databases (no batch copy of the table, which
    # would have to re-create 0007's computed columns on SQLite).
    for name, columns in ORDERS.items():
        op.drop_index(name, table_name='screening')
        op.create_index(name, 'screening', columns + extra, unique=False)


def upgrade():
    _recreate(SEARCHED)


def downgrade():
    _recreate([])
