"""Methods (werkvormen) and their steps.

Revision ID: b7acf8c30e41
Revises: 72f7a6613fec
Create Date: 2026-11-23 12:29:44.210716

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7acf8c30e41"
down_revision = "72f7a6613fec"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "methods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "intervisie",
                "moreel_beraad",
                "reflectie",
                name="methodkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("when_to_use", sa.Text(), nullable=False),
        sa.Column("group_min", sa.Integer(), nullable=False),
        sa.Column("group_max", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("minutes_note", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            ["methods.id"],
            name=op.f("fk_methods_based_on_id_methods"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_methods_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_methods_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_methods")),
        sa.UniqueConstraint("slug", name=op.f("uq_methods_slug")),
    )
    with op.batch_alter_table("methods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_methods_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "method_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=120), nullable=False),
        sa.Column(
            "record_kind",
            sa.Enum(
                "text",
                "list",
                "dilemma",
                "options",
                "values_per_option",
                "choice",
                name="recordkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("record_label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["methods.id"],
            name=op.f("fk_method_steps_method_id_methods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_method_steps")),
        sa.UniqueConstraint("method_id", "position", name="uq_method_steps_position"),
    )
    with op.batch_alter_table("method_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_method_steps_method_id"), ["method_id"], unique=False)


def downgrade():
    with op.batch_alter_table("method_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_method_steps_method_id"))

    op.drop_table("method_steps")
    with op.batch_alter_table("methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_methods_organisation_id"))

    op.drop_table("methods")
