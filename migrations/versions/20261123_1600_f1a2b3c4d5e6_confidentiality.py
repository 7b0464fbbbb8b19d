"""Confidentiality status of members (R-28).

Every user gets an employment status (medewerker, vrijwilliger, stagiair, extern); a recorded
geheimhoudingsverklaring is a row of its own. Existing accounts become medewerker, who need no
agreement, so nobody loses access by this migration.

`users` is never copied: on SQLite a batch table copy drops the old table, and with foreign
keys on, that deletes every row referring to a user (memberships, tokens, ...). Adding a
column with a server default, and dropping a plain column, SQLite does in place.

Revision ID: f1a2b3c4d5e6
Revises: e8c3a4b5d6f7
Create Date: 2026-11-23 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e6"
down_revision = "e8c3a4b5d6f7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "employment_status",
                sa.Enum(
                    "medewerker",
                    "vrijwilliger",
                    "stagiair",
                    "extern",
                    name="employmentstatus",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="medewerker",
            )
        )

    op.create_table(
        "confidentiality_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_confidentiality_agreements_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_confidentiality_agreements_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confidentiality_agreements")),
        sa.UniqueConstraint("user_id", name=op.f("uq_confidentiality_agreements_user_id")),
    )


def downgrade():
    op.drop_table("confidentiality_agreements")
    # Not batch_alter_table: that would copy `users` on SQLite (see above). SQLite 3.35 and
    # later drop a column without constraints or index in place.
    op.drop_column("users", "employment_status")
