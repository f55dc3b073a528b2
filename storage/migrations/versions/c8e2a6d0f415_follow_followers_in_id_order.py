"""follow: an actor's followers in id order

The fan-out reads followers by keyset (``followed_id = ? AND id > ? ORDER BY id LIMIT 1000``);
``ix_follow_followed_id`` alone made every batch sort all the followers left. The composite
index serves that and every look-up by ``followed_id``, so it replaces the single-column one.

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
        batch_op.create_index('ix_follow_followed_id_id', ['followed_id', 'id'], unique=False)
        batch_op.drop_index('ix_follow_followed_id')


def downgrade() -> None:
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index('ix_follow_followed_id', ['followed_id'], unique=False)
        batch_op.drop_index('ix_follow_followed_id_id')
