"""follow: an actor's followers in id order

The fan-out reads accepted followers by keyset (``followed_id = ? AND state = 'accepted' AND
id > ? ORDER BY id LIMIT 1000``); with ``ix_follow_followed_id`` alone every batch sorted all
the followers left. The composite index answers it as one ordered range whatever the
statistics, and serves every look-up by ``followed_id``, so it replaces the single-column one.

Revision ID: c8e2a6d0f415
Revises: b3d9f41c7e20
Create Date: 2026-11-29 11:40:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'c8e2a6d0f415'
down_revision: str | None = 'b3d9f41c7e20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index('ix_follow_followed_state_id', ['followed_id', 'state', 'id'], unique=False)
        batch_op.drop_index('ix_follow_followed_id')


def downgrade() -> None:
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index('ix_follow_followed_id', ['followed_id'], unique=False)
        batch_op.drop_index('ix_follow_followed_state_id')
