"""Search outbox: changes waiting to reach the index, written in the same transaction.

The PostgreSQL backend's documents table is derived data like the Whoosh directory: the
backend creates it (`reflectie search reindex`), so no migration carries it and SQLite
installs have no trace of it. The downgrade drops it too, if it exists.

Revision ID: 5e4c0b7d9a21
Revises: 2897f817ee56
Create Date: 2026-11-23 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e4c0b7d9a21"
down_revision = "2897f817ee56"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_documents")
    op.drop_table("search_outbox")
