"""questionnaire version: every screening says which version of the questions it was answered under

Every screening before this revision was answered under questionnaire 2026.11. Drafts keep that
until their next load converts them to the current version (screening.upgrade); submitted
screenings keep it for ever, so they render exactly as they were sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'questionnaire_version',
                sa.String(length=16),
                server_default='2026.11',
                nullable=False,
            )
        )
    # Only the rows that existed take 2026.11: new rows always name their version.
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.alter_column('questionnaire_version', server_default=None)


def downgrade():
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_column('questionnaire_version')
