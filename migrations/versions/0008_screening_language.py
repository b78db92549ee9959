"""the language a screening was answered in ("Answered in Spanish" for the clinic)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: screenings sent before were answered in a language not recorded (unknown).
    # A plain ALTER TABLE on both databases: no table copy (SQLite adds and, from 3.35, drops
    # a plain column in place; a batch copy would have to re-create 0007's computed columns).
    op.add_column('screening', sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    op.drop_column('screening', 'language')
