"""PostgreSQL search: GIN indexes on the kwestie and tag filters of search_documents.

Revision ID: b3c4d5e6f7a8
Revises: a7b8c9d0e1f2
Create Date: 2026-11-23 16:20:00

search_documents is derived data that `reflectie search reindex` creates (with these indexes,
reflectie/search/pg_backend.py DDL); this only adds them to a table an earlier version built,
so an upgraded deployment needs no reindex. Nothing on SQLite, nothing when the table is absent.
"""

import sqlalchemy as sa
from alembic import op

revision = "b3c4d5e6f7a8"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_search_documents_kwesties": "kwesties",
    "ix_search_documents_tags": "tags",
}


def _search_table() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(
        bind.execute(sa.text("SELECT to_regclass('search_documents') IS NOT NULL")).scalar()
    )


def upgrade():
    if not _search_table():
        return
    for name, column in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON search_documents USING gin ({column})")


def downgrade():
    if not _search_table():
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
