"""The forms of the meeting pages: planning, notes, outcomes, actions (field shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

REQUIRED = _l("Dit veld is verplicht.")


class MeetingForm(FlaskForm):
    method = SelectField(_l("Werkvorm"), validators=[DataRequired(REQUIRED)])
    date = DateField(_l("Datum"), validators=[DataRequired(_l("Kies een datum."))])
    time = TimeField(_l("Begintijd"), validators=[DataRequired(_l("Kies een begintijd."))])
    duration_minutes = IntegerField(
        _l("Duur in minuten"),
        default=90,
        validators=[DataRequired(REQUIRED), NumberRange(15, 480, _l("Kies 15 tot 480 minuten."))],
    )
    location = StringField(_l("Plaats"), validators=[Length(max=200)])
    case_ids = SelectMultipleField(
        _l("Casussen op de agenda"),
        coerce=int,
        description=_l("Alleen ingebrachte casussen van het team."),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service checks that each case may be on the agenda
    )


class NoteForm(FlaskForm):
    """What the notulist writes down in one step (the service checks the length)."""

    text = TextAreaField(_l("Aantekeningen bij deze stap"))


class OutcomeForm(FlaskForm):
    """A leerpunt or an actiepunt; the service checks kind, text and owner."""

    kind = SelectField(_l("Soort"), validate_choice=False)
    text = TextAreaField(_l("Omschrijving"))
    owner_id = SelectField(
        _l("Wie pakt het op"),
        description=_l("Verplicht bij een actiepunt."),
        validate_choice=False,
    )
    due_on = DateField(
        _l("Klaar op"),
        validators=[Optional()],
        description=_l("Niet verplicht."),
    )


class CompleteActionForm(FlaskForm):
    """Mark an action done, with a short report back."""

    note = TextAreaField(_l("Terugkoppeling"))
    terug = HiddenField()
