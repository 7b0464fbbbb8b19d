"""Retention policy per organisation and erasure (R-26, R-27).

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-11-23 16:10:00

Erasure (reflectie/cases/erasure.py) needs no schema change: it deletes rows. Retention adds
one table; an organisation without a row has the defaults of reflectie/retention/models.py.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7b8c9d0e1f2"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_years", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("delete", "anonymise", name="retentionaction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("deleted_case_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_retention_policies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_retention_policies_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_retention_policies_organisation_id")),
    )


def downgrade():
    op.drop_table("retention_policies")
