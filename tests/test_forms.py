"""reflectie.forms.submitted: the common POST of a form page."""

from __future__ import annotations

from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from reflectie.accounts import services
from reflectie.accounts.models import Organisation
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.forms import Done, submitted


class NameForm(FlaskForm):
    name = StringField()


def _create(slug: str) -> Organisation:
    return services.create_organisation(None, slug=slug, name=f"Organisatie {slug}")


def _stored(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def test_done_holds_the_result_and_flashes_the_text_made_from_it(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        done = submitted(
            NameForm(),
            lambda: _create("forms-done"),
            lambda org: f"{org.name} is aangemaakt.",
        )
        assert isinstance(done, Done)
        assert done.value.slug == "forms-done"
        db.session.rollback()  # committed: the rollback keeps it
        assert _stored("forms-done") is not None
        assert get_flashed_messages(with_categories=True) == [
            ("success", "Organisatie forms-done is aangemaakt.")
        ]


def test_done_is_truthy_also_for_an_action_without_result(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        assert submitted(NameForm(), lambda: None, "Opgeslagen.") == Done(None)
        assert get_flashed_messages(with_categories=True) == [("success", "Opgeslagen.")]


def test_invalid_rolls_back_and_puts_the_errors_on_the_form(app: Flask) -> None:
    def refuse() -> Organisation:
        _create("forms-refused")
        db.session.flush()
        raise Invalid(fields={"name": ["Te kort."], "other": ["Iets anders."]})

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        assert submitted(form, refuse, "Opgeslagen.") is None
        assert _stored("forms-refused") is None
        assert form.name.errors == ["Te kort."]
        assert form.form_errors == ["Iets anders."]
        assert get_flashed_messages() == []


def test_nothing_runs_for_a_form_not_sent_or_not_valid(app: Flask) -> None:
    def fail() -> None:
        raise AssertionError("the action must not run")

    with app.test_request_context("/"):
        assert submitted(NameForm(), fail, "Opgeslagen.") is None
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        assert submitted(NameForm(), fail, "Opgeslagen.", valid=False) is None
        assert get_flashed_messages() == []


def test_valid_true_skips_the_form_validation(app: Flask) -> None:
    with app.test_request_context("/"):  # a GET: validate_on_submit would say no
        done = submitted(NameForm(), lambda: 42, "Opgeslagen.", valid=True)
        assert done is not None
        assert done.value == 42
