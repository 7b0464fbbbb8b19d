"""Form plumbing shared by features."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """A form action that went through and was committed; `value` is what the action returned.
    Always truthy (also when the value is None), so a view can write `if done := submitted(...)`."""

    value: T


def submitted(
    form: FlaskForm,
    action: Callable[[], T],
    done: str | Callable[[T], str],
    *,
    valid: bool | None = None,
) -> Done[T] | None:
    """The common POST of a form page: for a valid form run `action` (a service call), then
    commit and flash `done` as "success": a Done with the action's result, so the view
    redirects. When the service refuses (Invalid), roll back and show its messages on the
    form: None, so the view shows the form again. None too when the form was not sent or not
    valid; nothing is run then.

    `done` may also be a function of the action's result, for a message that names what was
    made; it is called after the commit. `valid` is for a view that has itself decided whether
    this form was sent and is valid (one of several forms on a page); by default
    `form.validate_on_submit()` decides."""
    if valid is None:
        valid = form.validate_on_submit()
    if not valid:
        return None
    try:
        result = action()
    except Invalid as err:
        db.session.rollback()
        apply_errors(form, err)
        return None
    db.session.commit()
    flash(done(result) if callable(done) else done, "success")
    return Done(result)
