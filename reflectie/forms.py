"""Form plumbing shared by features."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice
from wtforms.validators import DataRequired, Length

from reflectie.db import db
from reflectie.errors import Invalid


class CredentialsForm(FlaskForm):
    """E-mail and password: the login page and re-login after an expired session."""

    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(_l("Dit veld is verplicht.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Dit veld is verplicht.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for buttons that change something."""


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """WTForms 3.3 deprecates tuple choices; build SelectChoice objects."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def apply_errors(form: FlaskForm, err: Invalid) -> None:
    """Show a service's field errors next to the form's fields (and the rest above the form)."""
    for name, messages in err.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)
    if not err.fields:
        form.form_errors.append(str(err.message))


def submitted(form: FlaskForm, action: Callable[[], object], done: str) -> bool:
    """The common POST of a form page: for a valid form run `action` (a service call), then
    commit and flash `done`: True, so the view redirects. When the service refuses, roll back
    and show its messages on the form: False, so the view shows the form again."""
    if not form.validate_on_submit():
        return False
    try:
        action()
    except Invalid as err:
        db.session.rollback()
        apply_errors(form, err)
        return False
    db.session.commit()
    flash(done, "success")
    return True
