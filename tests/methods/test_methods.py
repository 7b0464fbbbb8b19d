"""The method library: built-ins for everyone, adapted copies per organisation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reflectie.db import db
from reflectie.errors import Invalid, NotFound
from reflectie.methods import services
from reflectie.methods.access import get_method_for, visible_methods
from reflectie.methods.models import Method
from reflectie.methods.services import MethodInput, StepInput
from reflectie.permissions import Role
from tests.factories import make_org, make_team, make_token, make_user
from tests.pages import get_page, text_of

SPEC = {
    "slug": "testmethode",
    "name": "Testmethode",
    "kind": "moreel_beraad",
    "purpose": "Een dilemma samen doordenken.",
    "when_to_use": "Bij een moreel dilemma.",
    "group_min": 4,
    "group_max": 10,
    "roles": ["casusinbrenger", "gespreksleider"],
    "source": "Testbron (2024)",
    "minutes_note": "Minuten gekozen door Reflectie.",
    "steps": [
        {"name": "Introductie", "purpose": "Begin.", "questions": ["Wat is het doel?"],
         "minutes": 5, "who": "gespreksleider", "record": {"kind": "text", "label": "Afspraken"}},
        {"name": "Dilemma", "purpose": "Formuleren.", "questions": ["Wat is het dilemma?"],
         "minutes": 15, "who": "casusinbrenger",
         "record": {"kind": "dilemma", "label": "Dilemmazin"}},
    ],
}  # fmt: skip


@pytest.fixture
def builtin(app, tmp_path):
    (tmp_path / "testmethode.json").write_text(json.dumps(SPEC), encoding="utf-8")
    with app.app_context():
        services.load_builtin_methods(tmp_path)
        db.session.commit()
    return tmp_path


def _coach_and_member(app):
    with app.app_context():
        org = make_org()
        team = make_team(organisation=org)
        coach = make_user(team=team, role=Role.LEERCOACH)
        lid = make_user(team=team, role=Role.LID)
        return org.id, coach.email, lid.email, make_token(lid)


def test_loading_builtins_is_idempotent_and_updates_changes(app, builtin):
    with app.app_context():
        assert services.load_builtin_methods(builtin) == 0
        method = db.session.scalar(select(Method).where(Method.slug == "testmethode"))
        assert method.builtin
        assert method.total_minutes == 20
        assert [s.name for s in method.steps] == ["Introductie", "Dilemma"]
        (builtin / "testmethode.json").write_text(
            json.dumps({**SPEC, "name": "Testmethode 2"}), encoding="utf-8"
        )
        assert services.load_builtin_methods(builtin) == 1
        assert method.name == "Testmethode 2"


def test_the_shipped_seed_methods_load_and_have_complete_steps(ctx):
    methods = db.session.scalars(select(Method).where(Method.builtin.is_(True))).all()
    slugs = {m.slug for m in methods}
    expected = {"dilemmamethode", "nijmeegse-methode", "socratisch-gesprek", "cura",
                "incidentmethode", "balintmethode", "roddelmethode", "vijfstappenmethode",
                "tienstappenmethode", "reflectiecyclus-korthagen"}  # fmt: skip
    assert expected <= slugs
    for method in methods:
        assert method.source
        assert method.steps
        assert all(s.minutes > 0 and s.name and s.questions for s in method.steps)
    tien = next(m for m in methods if m.slug == "tienstappenmethode")
    assert len(tien.steps) == 10


def test_a_leercoach_copies_and_adapts_while_the_builtin_stays(app, builtin):
    org_id, coach_email, _lid, _token = _coach_and_member(app)
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        coach = get_user_by_email(coach_email)
        copy = services.copy_method(coach, "testmethode", org_id)
        assert copy.slug.startswith("testmethode-")
        assert not copy.builtin
        data = services.method_input(copy)
        changed = MethodInput(
            **{**data.__dict__, "name": "Onze dilemmamethode",
               "steps": [*data.steps, StepInput(name="Afronden", minutes=10)]}
        )  # fmt: skip
        services.update_method(coach, copy.slug, changed)
        db.session.commit()
        assert copy.total_minutes == 30
        original = db.session.scalar(select(Method).where(Method.slug == "testmethode"))
        assert original.name == "Testmethode"
        assert len(original.steps) == 2
        with pytest.raises(NotFound):
            services.update_method(coach, "testmethode", changed)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"steps": []}, "steps"),
        ({"group_min": 8, "group_max": 4}, "group_max"),
        ({"roles": ["koning"]}, "roles"),
        ({"steps": [StepInput(name="", minutes=5)]}, "steps-0-name"),
        ({"steps": [StepInput(name="Stap", minutes=0)]}, "steps-0-minutes"),
    ],
)
def test_invalid_adaptations_are_refused(app, builtin, change, field):
    org_id, coach_email, _lid, _token = _coach_and_member(app)
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        coach = get_user_by_email(coach_email)
        copy = services.copy_method(coach, "testmethode", org_id)
        data = services.method_input(copy)
        with pytest.raises(Invalid) as err:
            services.update_method(coach, copy.slug, MethodInput(**{**data.__dict__, **change}))
        assert field in err.value.fields


def test_adapted_methods_stay_inside_their_organisation(app, builtin):
    org_id, coach_email, _lid, _token = _coach_and_member(app)
    with app.app_context():
        from reflectie.accounts.services import get_user_by_email

        copy = services.copy_method(get_user_by_email(coach_email), "testmethode", org_id)
        db.session.commit()
        outsider = make_user(team=make_team(), role=Role.LEERCOACH)
        with pytest.raises(NotFound):
            get_method_for(outsider, copy.slug)
        assert copy.slug not in {m.slug for m in db.session.scalars(visible_methods(outsider))}
        with pytest.raises(NotFound):
            services.copy_method(outsider, copy.slug, outsider.memberships[0].team.organisation_id)
        lid = make_user(team=make_team(organisation=copy.organisation), role=Role.LID)
        with pytest.raises(NotFound):  # a lid may not adapt, even in their own organisation
            services.copy_method(lid, "testmethode", org_id)


def test_the_api_lists_methods_and_gives_steps(app, client, builtin):
    _org, _coach, _lid, token = _coach_and_member(app)
    headers = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/methods", headers=headers)
    assert listing.status_code == 200
    assert listing.json["total"] >= 1
    assert all({"slug", "name", "kind", "total_minutes"} <= set(m) for m in listing.json["results"])
    one = client.get("/api/v1/methods/testmethode", headers=headers).json
    assert [s["name"] for s in one["steps"]] == ["Introductie", "Dilemma"]
    assert one["steps"][1] == {
        "position": 2, "name": "Dilemma", "purpose": "Formuleren.",
        "questions": ["Wat is het dilemma?"], "minutes": 15, "who": "casusinbrenger",
        "record": {"kind": "dilemma", "label": "Dilemmazin"},
    }  # fmt: skip
    assert client.get("/api/v1/methods/bestaat-niet", headers=headers).status_code == 404
    assert client.get("/api/v1/methods").status_code == 401


def test_pages_list_show_copy_and_edit(app, login, builtin):
    org_id, coach_email, lid_email, _token = _coach_and_member(app)
    coach = login(coach_email)
    assert "Testmethode" in text_of(get_page(coach, "/werkvormen/"))
    page = text_of(get_page(coach, "/werkvormen/testmethode"))
    assert "Wat is het dilemma?" in page
    assert "Minuten gekozen door Reflectie." in page
    response = coach.post("/werkvormen/testmethode/kopie", data={"organisation_id": org_id})
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    form = get_page(coach, edit_url)
    assert form.find("input", attrs={"name": "steps-1-name"})["value"] == "Dilemma"
    saved = coach.post(edit_url, data={
        "name": "Onze methode", "group_min": 3, "group_max": 9, "roles": ["gespreksleider"],
        "steps-0-name": "Begin", "steps-0-minutes": 10, "steps-0-record_kind": "text",
        "steps-0-questions": "Wie zijn er?\nWat is het doel?",
        "steps-1-name": "Weg", "steps-1-minutes": 5, "steps-1-record_kind": "text",
        "steps-1-remove": "y",
    })  # fmt: skip
    assert saved.status_code == 302
    shown = text_of(get_page(coach, saved.headers["Location"]))
    assert "Onze methode" in shown
    assert "Wat is het doel?" in shown
    assert "Weg" not in shown
    bad = coach.post(edit_url, data={"name": "", "group_min": 3, "group_max": 9})
    assert bad.status_code == 200
    assert "Er is een probleem" in bad.text
    lid = login(lid_email)
    assert lid.get(edit_url).status_code == 404
    assert lid.get("/werkvormen/testmethode/bewerken").status_code == 404
    lid_page = get_page(lid, "/werkvormen/testmethode")
    assert lid_page.find("form", attrs={"action": "/werkvormen/testmethode/kopie"}) is None
