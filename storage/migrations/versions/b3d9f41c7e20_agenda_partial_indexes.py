"""agenda partial indexes

The agenda used to keep "not yet ended" as ``ends_at >= now OR starts_at >= now`` over
``ix_event_upcoming (deleted_at, starts_at, id)``: SQLite walked every past event before the
first upcoming one, PostgreSQL could not read that index in ``starts_at`` order at all. Two
partial indexes replace it: upcoming events in agenda order (with their coordinates, for the
map's box) and running ones by end.

Revision ID: b3d9f41c7e20
Revises: 676cd26149e2
Create Date: 2026-11-29 11:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b3d9f41c7e20'
down_revision: str | None = '676cd26149e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_DELETED = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_upcoming')
        batch_op.create_index(
            'ix_event_agenda',
            ['starts_at', 'id', 'latitude', 'longitude'],
            unique=False,
            sqlite_where=NOT_DELETED,
            postgresql_where=NOT_DELETED,
        )
        batch_op.create_index(
            'ix_event_running',
            ['ends_at', 'starts_at', 'id'],
            unique=False,
            sqlite_where=NOT_DELETED,
            postgresql_where=NOT_DELETED,
        )


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_running')
        batch_op.drop_index('ix_event_agenda')
        batch_op.create_index('ix_event_upcoming', ['deleted_at', 'starts_at', 'id'], unique=False)
