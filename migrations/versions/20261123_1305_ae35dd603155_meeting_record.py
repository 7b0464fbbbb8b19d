"""The record of a meeting: notes per step, leerpunten and actiepunten.

Revision ID: ae35dd603155
Revises: 25c984456e6f
Create Date: 2026-11-23 13:05:20.673204

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ae35dd603155"
down_revision = "25c984456e6f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_notes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_notes_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_notes")),
        sa.UniqueConstraint("meeting_id", "step", name="uq_meeting_notes_step"),
    )
    op.create_table(
        "meeting_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("leerpunt", "actiepunt", name="outcomekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_outcomes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_meeting_outcomes_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_outcomes")),
    )
    with op.batch_alter_table("meeting_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_outcomes_meeting_id"), ["meeting_id"], unique=False
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("meeting_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_outcomes_meeting_id"))

    op.drop_table("meeting_outcomes")
    op.drop_table("meeting_notes")
