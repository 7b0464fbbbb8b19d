"""Form plumbing shared by features."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from reflectie.errors import Invalid


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
