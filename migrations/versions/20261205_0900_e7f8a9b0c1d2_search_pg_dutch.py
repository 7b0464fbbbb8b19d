"""PostgreSQL search: the index is built again, with the `dutch` configuration's lexemes.

Revision ID: e7f8a9b0c1d2
Revises: d6e7f8a9b0c1
Create Date: 2026-12-05 09:00:00

search_documents now holds both stemmers' output (reflectie/search/pg_backend.py). Rows an
earlier version wrote lack the `dutch` part and carry the same fingerprints, so neither the
drainer nor `search check` would ever rewrite them. The table is derived data: it is dropped,
and `reflectie init` (which runs this migration) builds it again at once; where the migration
runs otherwise, the first search starts the rebuild and says so meanwhile. Nothing on SQLite,
nothing when the table is absent (the Whoosh engine).
"""

from alembic import op

revision = "e7f8a9b0c1d2"
down_revision = "d6e7f8a9b0c1"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_documents")


def downgrade():
    pass  # the older version builds its own table again (`reflectie search reindex`)
