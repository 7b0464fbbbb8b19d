"""The audit log's hash chain (tamper evidence, R-23): each event's previous hash and own hash.

Events from before this migration keep empty hashes; `reflectie audit verify` reports them as
unchained and checks the chain from the first hashed event on.

Revision ID: e8c3a4b5d6f7
Revises: d7b2f3c4e5a6
Create Date: 2026-11-23 15:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e8c3a4b5d6f7"
down_revision = "d7b2f3c4e5a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
