"""Retention (R-27): an organisation's bewaartermijn removes over-age cases through the erasure
service, keeps younger ones, a dry run changes nothing, and every run is audit-logged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from reflectie.audit.models import AuditEvent
from reflectie.cases import erasure
from reflectie.cases import services as case_services
from reflectie.cases.models import Case, CaseComment, CaseRevision, CaseStatus
from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.notifications.models import Notification
from reflectie.permissions import Role
from reflectie.retention import services
from reflectie.retention.models import RetentionPolicy
from tests.cases.factories import make_case
from tests.factories import make_team, make_user
from tests.pages import get_page, text_of
from tests.sessions.factories import plan_meeting

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_index(app: Flask, tmp_path, monkeypatch) -> None:
    """An --apply purges the search index: let it rebuild one of this test's own."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "index"))


def at(moment: str):
    return time_machine.travel(datetime.fromisoformat(moment), tick=False)


def world(app: Flask, *, action: str | None = None) -> dict:
    """One organisation's team with cases of every age; plain values back."""
    with app.app_context():
        with at("2019-02-01T09:00:00+00:00"):
            team = make_team()
            author = make_user(team=team, role=Role.LEERCOACH)
            old = make_case(
                team=team,
                author=author,
                title="Oud GEHEIM",
                tags=["geheim"],
                kwesties=[5, 2],
                values=["autonomie", "zorg om GEHEIM"],
            )
            case_services.add_comment(author, old.id, "Reactie GEHEIM")
            commented = make_case(team=team, author=author, title="Oud, later besproken")
            discussed = make_case(
                team=team, author=author, title="Oud, op de agenda", status=CaseStatus.INGEBRACHT
            )
            deleted = make_case(team=team, author=author, title="Weggegooid")
            db.session.add(Notification(user_id=author.id, kind="test", data={}))
            db.session.commit()
        with at("2024-05-01T09:00:00+00:00"):
            young = make_case(team=team, author=author, title="Jong")
            case_services.add_comment(author, commented.id, "Nog steeds actueel")
            plan_meeting(
                author, team, [discussed.id], starts_at=datetime(2024, 5, 20, 14, tzinfo=UTC)
            )
            db.session.commit()
        with at("2026-09-01T09:00:00+00:00"):
            case_services.delete_case(author, deleted.id)
            db.session.commit()
        if action:
            services.set_policy(
                None, team.organisation, case_years=5, action=action, deleted_case_days=30
            )
            db.session.commit()
        return {
            "slug": team.organisation.slug,
            "org_id": team.organisation_id,
            "old": old.id,
            "commented": commented.id,
            "discussed": discussed.id,
            "deleted": deleted.id,
            "young": young.id,
        }


def run(app: Flask, *args: str):
    with at(NOW.isoformat()):
        return app.test_cli_runner().invoke(args=["retention", "run", *args])


def case_ids(app: Flask) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Case.id)))


def runs(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.run"))
        )


def test_a_dry_run_lists_counts_and_changes_nothing(app):
    w = world(app)
    before = case_ids(app)
    result = run(app, "--dry-run", "--org", w["slug"])
    assert result.exit_code == 0, result.output
    assert f"{w['slug']}: 5 years, then delete (default policy)" in result.output
    assert "1 case(s) inactive since before 2021-11-23" in result.output
    assert "1 deleted case(s) to erase" in result.output
    assert "notifications older than 2026-05-27: 1" in result.output
    assert "nothing was changed" in result.output
    assert "GEHEIM" not in result.output
    assert "Oud" not in result.output
    assert case_ids(app) == before
    assert runs(app) == []
    assert run(app, "--org", w["slug"]).output == result.output  # --dry-run is the default


def test_apply_erases_over_age_cases_keeps_younger_ones_and_is_audited(app):
    """R-27: the bewaartermijn removes over-age cases only, and says so in the audit log."""
    w = world(app)
    result = run(app, "--apply", "--org", w["slug"])
    assert result.exit_code == 0, result.output
    assert "erased 1, anonymised 0, erased 1 deleted case(s), removed 1 notification(s)" in (
        result.output
    )
    left = case_ids(app)
    assert w["old"] not in left
    assert w["deleted"] not in left
    assert {w["young"], w["commented"], w["discussed"]} <= left  # worked on since the cutoff
    (event,) = runs(app)
    assert event.details["erased"] == 1
    assert event.details["deleted_erased"] == 1
    assert event.details["organisations"] == {
        str(w["org_id"]): {"erased": 1, "anonymised": 0, "deleted_erased": 1, "skipped": 0}
    }
    assert (event.result, event.details["skipped"]) == ("ok", 0)
    with app.app_context():
        erased = db.session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "case.erase")
        ).all()
        assert sorted(erased) == sorted([w["old"], w["deleted"]])
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        assert "GEHEIM" not in str(db.session.scalars(select(AuditEvent.details)).all())
    again = run(app, "--apply", "--org", w["slug"])
    assert "erased 0, anonymised 0, erased 0 deleted case(s)" in again.output
    assert len(runs(app)) == 2


def test_anonymise_keeps_a_skeleton_without_text_once(app):
    w = world(app, action="anonymise")
    result = run(app, "--apply", "--org", w["slug"])
    assert result.exit_code == 0, result.output
    assert "erased 0, anonymised 1, erased 1 deleted case(s)" in result.output
    with app.app_context():
        case = db.session.get(Case, w["old"])
        assert case is not None
        assert (case.title, case.tags, case.situation) == (erasure.ANONYMISED_TITLE, [], "")
        assert case.kwesties == [5, 2]  # the statistics keep what the case was about
        assert case.values == ["autonomie"]  # a seeded value, not a free text
        for model in (CaseRevision, CaseComment):
            assert not db.session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case.id)
            )
    with time_machine.travel(datetime(2033, 1, 1, tzinfo=UTC), tick=False), app.app_context():
        (found,) = services.plan(organisation_id=w["org_id"])
        assert w["old"] not in found.cases  # a skeleton is not anonymised again


def test_a_beheerder_sets_the_policy_in_the_admin_area(app, admin_client, login):
    w = world(app)
    url = f"/beheer/organisaties/{w['org_id']}/bewaartermijn"
    page = get_page(admin_client, url)
    assert "de standaard geldt" in text_of(page)
    response = admin_client.post(
        url, data={"case_years": "0", "action": "delete", "deleted_case_days": "30"}
    )
    assert response.status_code == 200
    assert "Er is een probleem" in response.text
    response = admin_client.post(
        url, data={"case_years": "15", "action": "anonymise", "deleted_case_days": "60"}
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(
            select(RetentionPolicy).where(RetentionPolicy.organisation_id == w["org_id"])
        )
        assert (row.case_years, row.action, row.deleted_case_days) == (15, "anonymise", 60)
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.action == "retention.policy")
        )
        email = make_user(team=make_team(), role=Role.TEAMLEIDER).email
    assert get_page(admin_client, url).find("input", id="case_years")["value"] == "15"
    assert login(email).get(url).status_code == 404
    assert login(email).post(url, data={"case_years": "1"}).status_code == 404


def test_the_service_refuses_bad_values_and_non_beheerders(app):
    with app.app_context():
        team = make_team()
        lid = make_user(team=team, role=Role.TEAMLEIDER)
        with pytest.raises(NotFound):
            services.set_policy(
                lid, team.organisation, case_years=5, action="delete", deleted_case_days=30
            )
        with pytest.raises(Invalid) as err:
            services.set_policy(
                None, team.organisation, case_years=21, action="weg", deleted_case_days=-1
            )
        assert set(err.value.fields) == {"case_years", "action", "deleted_case_days"}


def test_run_refuses_both_modes_and_unknown_organisations(app):
    assert run(app, "--dry-run", "--apply").exit_code == 2
    result = run(app, "--org", "bestaat-niet")
    assert result.exit_code == 1
    assert "no organisation" in result.output


def test_apply_skips_cases_worked_on_or_erased_since_the_plan(app):
    w = world(app)
    with at(NOW.isoformat()), app.app_context():
        (found,) = services.plan(organisation_id=w["org_id"])
        assert (found.cases, found.deleted_cases) == ([w["old"]], [w["deleted"]])
        # Meanwhile: somebody comments on the old case, a beheerder erases the deleted one.
        author = db.session.get(Case, w["old"]).author
        case_services.add_comment(author, w["old"], "Toch weer actueel")
        erasure.erase_case(None, w["deleted"], reason="Verzoek 9")
        db.session.commit()
        outcome = services.Outcome()
        services.apply_plan(found, outcome)
        db.session.commit()
        assert (outcome.erased, outcome.deleted_erased, outcome.skipped) == (0, 0, 2)
        assert db.session.get(Case, w["old"]) is not None


def test_a_case_erased_between_the_check_and_the_erasure_is_skipped(app, monkeypatch):
    w = world(app)
    real = erasure.erase_case

    def raced(actor, case_id, **kwargs):
        if case_id == w["deleted"]:
            raise erasure.AlreadyErased(case_id, NOW)
        return real(actor, case_id, **kwargs)

    monkeypatch.setattr(erasure, "erase_case", raced)
    result = run(app, "--apply", "--org", w["slug"])
    assert result.exit_code == 0, result.output
    assert "erased 1, anonymised 0, erased 0 deleted case(s)" in result.output
    assert "skipped 1 case(s)" in result.output
    (event,) = runs(app)
    assert event.details["skipped"] == 1


def test_each_organisation_is_planned_just_before_it_is_applied(app, monkeypatch):
    first, second = sorted((world(app), world(app)), key=lambda w: w["slug"])
    real = services.apply_plan

    def apply_and_touch(found, outcome, **kwargs):
        real(found, outcome, **kwargs)
        if found.organisation_id == first["org_id"]:  # the second one's old case is edited
            case = db.session.get(Case, second["old"])
            case_services.add_comment(case.author, case.id, "Nog bezig")

    monkeypatch.setattr(services, "apply_plan", apply_and_touch)
    result = run(app, "--apply")
    assert result.exit_code == 0, result.output
    left = case_ids(app)
    assert first["old"] not in left
    assert second["old"] in left
    (event,) = runs(app)
    assert event.details["organisations"][str(second["org_id"])]["erased"] == 0
    assert event.details["skipped"] == 0  # not even planned


def test_a_run_that_stops_on_an_error_still_audits_what_it_did(app, monkeypatch):
    first, second = sorted((world(app), world(app)), key=lambda w: w["slug"])
    real = erasure.erase_case

    def failing(actor, case_id, **kwargs):
        if case_id == second["deleted"]:
            raise RuntimeError("de schijf is vol")
        return real(actor, case_id, **kwargs)

    monkeypatch.setattr(erasure, "erase_case", failing)
    result = run(app, "--apply")
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    left = case_ids(app)
    assert not {first["old"], first["deleted"]} & left  # committed before the error
    assert {second["old"], second["deleted"]} <= left
    (event,) = runs(app)
    assert event.result == "failed"
    assert event.details["organisations"] == {
        str(first["org_id"]): {"erased": 1, "anonymised": 0, "deleted_erased": 1, "skipped": 0}
    }
    assert event.details["notifications"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
