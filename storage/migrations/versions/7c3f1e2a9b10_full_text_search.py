"""full-text search: FTS5 on SQLite, French text search on PostgreSQL

Revision ID: 7c3f1e2a9b10
Revises: 5408e8c455a2
Create Date: 2026-11-29 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import fulltext

revision: str = "7c3f1e2a9b10"
down_revision: str | None = "5408e8c455a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in fulltext.SQLITE_UP:
            op.execute(statement)
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = :name"), {"name": fulltext.PG_CONFIG}
    ).first()
    if exists is None:
        try:
            with bind.begin_nested():
                for statement in fulltext.PG_CONFIG_WITH_UNACCENT:
                    bind.execute(sa.text(statement))
        except sa.exc.DBAPIError:
            # unaccent cannot be created here (no rights): French stemming without folding.
            for statement in fulltext.PG_CONFIG_PLAIN:
                bind.execute(sa.text(statement))
    for statement in fulltext.PG_INDEXES:
        op.execute(statement)


def downgrade() -> None:
    statements = fulltext.SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else fulltext.PG_DOWN
    for statement in statements:
        op.execute(statement)
