"""safety first: red-flag history, safety check time, red-flag level, follow-ups, clinic alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('red_flag_history', sa.JSON(), server_default='[]', nullable=False)
        )
        batch_op.add_column(
            sa.Column('safety_checked_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('red_flag_level', sa.String(length=16), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_screening_red_flag_level'), ['red_flag_level'], unique=False
        )
    # Screenings sent before: a red flag under 2026.11 was one level (emergency advice).
    op.execute(
        "UPDATE screening SET red_flag_level = 'emergency' WHERE has_red_flags = "
        + ("true" if op.get_bind().dialect.name == "postgresql" else "1")
    )

    op.create_table(
        'follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('screening_id', sa.Integer(), nullable=False),
        sa.Column('clinician_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['clinician_id'], ['clinician.id']),
        sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_follow_up_screening_id'), ['screening_id'], unique=False
        )

    op.create_table(
        'alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('screening_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('screening_id'),
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_sent_at'), ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_sent_at'))
    op.drop_table('alert')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_screening_id'))
    op.drop_table('follow_up')
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_red_flag_level'))
        batch_op.drop_column('red_flag_level')
        batch_op.drop_column('safety_checked_at')
        batch_op.drop_column('red_flag_history')
