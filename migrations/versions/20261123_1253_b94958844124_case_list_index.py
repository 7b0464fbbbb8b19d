"""An index for the team case list (newest changes first).

Revision ID: b94958844124
Revises: b7acf8c30e41
Create Date: 2026-11-23 12:53:23.161756

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b94958844124"
down_revision = "b7acf8c30e41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_team_id_updated_at", ["team_id", "updated_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_team_id_updated_at")
