"""The audit log's hash chain (R-23): every event links to the one before; changing or
deleting a row is found by `reflectie audit verify`, also with several writers at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update

from reflectie.audit import chain
from reflectie.audit.models import AuditEvent
from reflectie.audit.services import record
from reflectie.db import db
from tests.backup.test_backup import _instance


def _events(n: int) -> list[AuditEvent]:
    events = [record("test.event", n=i) for i in range(n)]
    db.session.commit()
    return events


def test_events_are_chained_and_verify(ctx):
    """R-23: each event's hash covers the one before."""
    events = _events(3)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    verdict = chain.verify()
    assert verdict.broken_at is None
    assert verdict.checked >= 3


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: update(AuditEvent).where(AuditEvent.id == e.id).values(details={"n": 99}),
        lambda e: update(AuditEvent).where(AuditEvent.id == e.id).values(actor_id=None, ip="x"),
        lambda e: update(AuditEvent).where(AuditEvent.id == e.id).values(hash="0" * 64),
    ],
)
def test_a_changed_event_is_found(ctx, tamper):
    events = _events(4)
    db.session.execute(tamper(events[2]))
    db.session.commit()
    db.session.expire_all()
    assert chain.verify().broken_at == events[2].id


def test_a_deleted_event_breaks_the_chain_at_the_next_one(ctx):
    events = _events(4)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    db.session.expire_all()
    assert chain.verify().broken_at == events[2].id


def test_the_command_exits_non_zero_on_a_broken_chain(app):
    with app.app_context():
        first = _events(2)[0].id
        db.session.execute(
            text("UPDATE audit_events SET action = 'anders' WHERE id = :id"), {"id": first}
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit event {first} was changed" in result.output


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_several_writers_at_once_keep_one_chain(tmp_path, kind):
    with _instance(tmp_path, kind, "chain") as app:
        with app.app_context():
            from reflectie.cli import init_database

            init_database()
            db.session.commit()
        errors: list[Exception] = []

        def writer(n: int) -> None:
            with app.app_context():
                try:
                    for i in range(15):
                        record("test.parallel", writer=n, i=i)
                        db.session.commit()
                except Exception as err:  # reported below
                    errors.append(err)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            verdict = chain.verify()
            assert verdict.broken_at is None
            count = len(db.session.scalars(select(AuditEvent.id)).all())
            assert verdict.checked == count >= 60
