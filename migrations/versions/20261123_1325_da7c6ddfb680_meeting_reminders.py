"""When the day-before reminder of a meeting went out.

Revision ID: da7c6ddfb680
Revises: ae35dd603155
Create Date: 2026-11-23 13:25:36.134062

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "da7c6ddfb680"
down_revision = "ae35dd603155"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
