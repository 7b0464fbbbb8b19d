"""Search: every case document is written again, with the principals of this version.

Case documents now carry `cases:<team>` (R-28: a member without clearance holds `team:<team>`
through meetings and published copies, and must not count case documents in facets or
suggestions) and `author:<team>:<user>` for a private concept. Entries written by an earlier
version carry the old principals until they are indexed again: the outbox takes every live
case, and the drainer (or `reflectie search reindex`) rewrites them.

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-11-23 16:40:00

"""

from alembic import op

revision = "d6e7f8a9b0c1"
down_revision = "c5d6e7f8a9b0"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO search_outbox (doc_type, doc_id, created_at)"
        " SELECT 'case', id, CURRENT_TIMESTAMP FROM cases WHERE deleted_at IS NULL"
    )


def downgrade():
    pass  # the rows only ask for documents to be written again
