"""flat lists: searchable name and reference columns, the worklist's order indexed, audit by user

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PRIORITY = "CASE red_flag_level WHEN 'emergency' THEN 2 WHEN 'urgent' THEN 1 ELSE 0 END"
REFERENCE_KEY = "replace(reference, '-', '')"
BATCH = 1000


def _search_form(text):
    """screening.models.search_form as of this revision (frozen here: a migration never changes
    with the application)."""
    if not text:
        return None
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    folded = " ".join(unicodedata.normalize("NFC", bare).casefold().split())
    return folded[:200] or None


def _trigrams_available(bind):
    """Whether pg_trgm is (or could be made) installed; creating it may need rights the
    migrating role lacks: then the name index is a plain one."""
    if not bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first():
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False
    return True


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    # SQLite cannot add a stored computed column in place: batch mode copies the table (with
    # foreign keys off while migrating, see env.py, so nothing cascades).
    with op.batch_alter_table(
        'screening', schema=None, recreate='always' if sqlite else 'auto'
    ) as batch_op:
        batch_op.add_column(sa.Column('name_search', sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                'reference_key',
                sa.String(length=16),
                sa.Computed(REFERENCE_KEY, persisted=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                'red_flag_priority',
                sa.Integer(),
                sa.Computed(PRIORITY, persisted=True),
                nullable=False,
            )
        )
        # The worklist's indexes start with the status: this one alone is not needed any more
        # (and SQLite's planner chose it, then sorted every sent screening).
        batch_op.drop_index('ix_screening_status')

    # The names of screenings sent before, in their searched form, a batch at a time.
    screening = sa.table(
        'screening',
        sa.column('id', sa.Integer),
        sa.column('patient_name', sa.String),
        sa.column('name_search', sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(screening.c.id, screening.c.patient_name)
            .where(screening.c.id > last, screening.c.patient_name.is_not(None))
            .order_by(screening.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            screening.update()
            .where(screening.c.id == sa.bindparam('row_id'))
            .values(name_search=sa.bindparam('folded')),
            [{'row_id': r.id, 'folded': _search_form(r.patient_name)} for r in rows],
        )
        last = rows[-1].id

    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.create_index(
            'ix_screening_worklist',
            ['status', 'red_flag_priority', 'submitted_at', 'id'],
            unique=False,
        )
        batch_op.create_index(
            'ix_screening_newest', ['status', 'submitted_at', 'id'], unique=False
        )
    if bind.dialect.name == 'postgresql':
        trigrams = _trigrams_available(bind)
        op.create_index(
            'ix_screening_name_search',
            'screening',
            ['name_search'],
            unique=False,
            **(
                {'postgresql_using': 'gin', 'postgresql_ops': {'name_search': 'gin_trgm_ops'}}
                if trigrams
                else {'postgresql_ops': {'name_search': 'varchar_pattern_ops'}}
            ),
        )
        op.create_index(
            'ix_screening_reference_key',
            'screening',
            ['reference_key'],
            unique=False,
            postgresql_ops={'reference_key': 'varchar_pattern_ops'},
        )
    else:
        op.create_index('ix_screening_name_search', 'screening', ['name_search'], unique=False)
        op.create_index(
            'ix_screening_reference_key', 'screening', ['reference_key'], unique=False
        )
    op.create_index(
        'ix_audit_event_actor_email_at',
        'audit_event',
        ['actor_email', 'at', 'id'],
        unique=False,
    )
    if bind.dialect.name == 'postgresql':
        # Fresh statistics for the new columns and indexes (SQLite: env.py, after every run).
        op.execute('ANALYZE screening')
        op.execute('ANALYZE audit_event')


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    op.drop_index('ix_audit_event_actor_email_at', table_name='audit_event')
    op.drop_index('ix_screening_reference_key', table_name='screening')
    op.drop_index('ix_screening_name_search', table_name='screening')
    with op.batch_alter_table(
        'screening', schema=None, recreate='always' if sqlite else 'auto'
    ) as batch_op:
        batch_op.drop_index('ix_screening_newest')
        batch_op.drop_index('ix_screening_worklist')
        batch_op.create_index('ix_screening_status', ['status'], unique=False)
        batch_op.drop_column('red_flag_priority')
        batch_op.drop_column('reference_key')
        batch_op.drop_column('name_search')
    # pg_trgm stays: other databases' objects may use it, and it holds no data.
