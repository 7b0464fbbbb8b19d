"""SQLite: erased cases and published copies never give their number to a new row.

Without AUTOINCREMENT SQLite hands out the highest id + 1, so erasing the newest case (R-26)
would let the next case take its number, and the audit log's events about the erased case
would seem to be about the new one. PostgreSQL sequences never reuse a number.

Revision ID: c5d6e7f8a9b0
Revises: b3c4d5e6f7a8
Create Date: 2026-11-23 16:30:00

"""

from alembic import op

revision = "c5d6e7f8a9b0"
down_revision = "b3c4d5e6f7a8"
branch_labels = None
depends_on = None

TABLES = ("cases", "publications")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
