"""Logical backups: every table as JSON lines in one zip with a manifest (schema revision, row
counts and a SHA-256 per table), portable between SQLite and PostgreSQL, so a backup of the
embedded deployment restores into PostgreSQL (DESIGN: moving from one deployment to the other).

The backup reads every table in one transaction, a consistent snapshot, without blocking the
app's writers (SQLite WAL reads, PostgreSQL REPEATABLE READ). It is written to a temporary file
beside the target and renamed, so a half-written backup never carries the final name. A
restore goes only into an empty database, refuses a backup from a newer schema, migrates the
restored data to the current schema and checks every table against the manifest.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.types import Date, DateTime, Enum, LargeBinary, Time, TypeDecorator

from reflectie.db import Base, db, read_only, utcnow

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be restored here, with the reason in plain words."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents before children


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for name, value in row.items():
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl  # UTCDateTime stores through a DateTime
        if value is None:
            decoded[name] = None
        elif isinstance(column_type, DateTime):
            decoded[name] = datetime.fromisoformat(value)
        elif isinstance(column_type, Date):
            decoded[name] = date.fromisoformat(value)
        elif isinstance(column_type, Time):
            decoded[name] = time.fromisoformat(value)
        elif isinstance(column_type, Enum) and column_type.enum_class is not None:
            decoded[name] = column_type.enum_class(value)
        elif isinstance(column_type, LargeBinary):
            decoded[name] = base64.b64decode(value)
        else:
            decoded[name] = value
    return decoded


def _lines(conn: Connection, table: Table) -> Iterator[bytes]:
    """The table's rows in primary-key order, one canonical JSON line each."""
    query = select(table).order_by(*table.primary_key.columns)
    for row in conn.execute(query.execution_options(yield_per=1000)).mappings():
        record = {key: _encode(value) for key, value in row.items()}
        yield json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _script() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory(migrate.directory)


def backup(target: Path) -> dict[str, Any]:
    """Write a backup zip to `target` and return its manifest."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    tables: dict[str, dict[str, Any]] = {}
    try:
        with read_only(), db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin(), zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED) as archive:
                revision = _revision(conn)
                for table in _tables():
                    digest, rows = hashlib.sha256(), 0
                    with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                        for line in _lines(conn, table):
                            digest.update(line)
                            out.write(line)
                            rows += 1
                    tables[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
                manifest = {
                    "format": FORMAT,
                    "created_at": utcnow().isoformat(),
                    "database": conn.dialect.name,
                    "schema_revision": revision,
                    "tables": tables,
                }
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        with open(tmp_name, "rb") as done:
            os.fsync(done.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read(MANIFEST))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise BackupError(f"{source} is not a Reflectie backup: {err}") from err
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _is_empty(conn: Connection) -> bool:
    from sqlalchemy import inspect

    names = set(inspect(conn).get_table_names())
    for table in _tables():
        if table.name in names and conn.scalar(select(func.count()).select_from(table)):
            return False
    return True


def restore(source: Path) -> dict[str, TableDigest]:
    """Restore `source` into this (empty) database and bring it to the current schema.

    Returns what was restored per table. Raises BackupError for a backup from a newer schema,
    a database that is not empty, or a table whose rows do not match the manifest.
    """
    manifest = read_manifest(source)
    revision = manifest["schema_revision"]
    script = _script()
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"the backup's schema ({revision}) is newer than or unknown to this version of "
            "Reflectie; install a version that knows it"
        )
    with db.engine.connect() as conn:
        if not _is_empty(conn):
            raise BackupError("the database is not empty; restore only into a new instance")
    upgrade(revision=revision)  # the schema the rows were written for
    restored: dict[str, TableDigest] = {}
    with zipfile.ZipFile(source) as archive, db.engine.begin() as conn:
        for table in _tables():
            expected = manifest["tables"].get(table.name)
            if expected is None:
                continue  # a table newer than the backup: its migration fills it
            digest, batch, rows = hashlib.sha256(), [], 0
            with archive.open(f"tables/{table.name}.jsonl") as lines:
                for line in lines:
                    digest.update(line)
                    batch.append(_decode(table, json.loads(line)))
                    rows += 1
                    if len(batch) == 1000:
                        conn.execute(table.insert(), batch)
                        batch = []
            if batch:
                conn.execute(table.insert(), batch)
            if (rows, digest.hexdigest()) != (expected["rows"], expected["sha256"]):
                raise BackupError(f"table {table.name} does not match the manifest")
            restored[table.name] = TableDigest(rows, digest.hexdigest())
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    upgrade()  # then to the current schema
    return restored


def _reset_sequences(conn: Connection) -> None:
    """Inserted ids bypass the sequences; move each to the table's highest id."""
    for table in _tables():
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - names from our own metadata
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def digests() -> dict[str, TableDigest]:
    """Row count and SHA-256 of every table now, as a backup would write them."""
    with read_only(), db.engine.connect() as conn, conn.begin():
        result = {}
        for table in _tables():
            digest, rows = hashlib.sha256(), 0
            for line in _lines(conn, table):
                digest.update(line)
                rows += 1
            result[table.name] = TableDigest(rows, digest.hexdigest())
        return result
