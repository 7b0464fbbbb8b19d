"""The forms of the meeting pages: planning, notes, outcomes, actions (field shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reflectie.forms import choices

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


class PrepareForm(MeetingForm):
    """Planning fields plus who leads, takes notes and keeps time (team members or nobody)."""

    gespreksleider = SelectField(_l("Gespreksleider"), validate_choice=False)
    notulist = SelectField(_l("Notulist"), validate_choice=False)
    tijdbewaker = SelectField(_l("Tijdbewaker"), validate_choice=False)


WEEKDAYS = [
    (0, _l("maandag")),
    (1, _l("dinsdag")),
    (2, _l("woensdag")),
    (3, _l("donderdag")),
    (4, _l("vrijdag")),
    (5, _l("zaterdag")),
    (6, _l("zondag")),
]


class SeriesForm(FlaskForm):
    method = SelectField(_l("Vaste werkvorm"), validators=[DataRequired(REQUIRED)])
    weekday = SelectField(_l("Dag"), coerce=int, choices=choices(WEEKDAYS), default=1)
    time = TimeField(_l("Begintijd"), validators=[DataRequired(_l("Kies een begintijd."))])
    duration_minutes = IntegerField(
        _l("Duur in minuten"),
        default=90,
        validators=[DataRequired(REQUIRED), NumberRange(15, 480, _l("Kies 15 tot 480 minuten."))],
    )
    interval_weeks = SelectField(
        _l("Hoe vaak"),
        coerce=int,
        default=2,
        choices=choices(
            [
                (1, _l("elke week")),
                (2, _l("om de twee weken")),
                (3, _l("om de drie weken")),
                (4, _l("om de vier weken")),
            ]
        ),
    )
    starts_on = DateField(_l("Eerste datum"), validators=[DataRequired(_l("Kies een datum."))])
    ends_on = DateField(
        _l("Laatste datum"), validators=[Optional()], description=_l("Leeg: de reeks loopt door.")
    )
    location = StringField(_l("Plaats"), validators=[Length(max=200)])
    rotation = SelectMultipleField(
        _l("Wie leiden en notuleren om de beurt"),
        coerce=int,
        description=_l(
            "In deze volgorde leidt steeds de volgende het gesprek; wie daarna komt, notuleert."
        ),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service checks that each person is in the team
    )


class EndSeriesForm(FlaskForm):
    last_day = DateField(
        _l("Laatste bijeenkomst op of voor"), validators=[DataRequired(_l("Kies een datum."))]
    )


SCALE = choices((n, str(n)) for n in range(1, 6))


class EvaluationForm(FlaskForm):
    """Three 1-5 items (see evaluations.ITEMS) and a free remark; the service checks them."""

    nuttig = RadioField(coerce=int, choices=SCALE, validate_choice=False)
    veilig = RadioField(coerce=int, choices=SCALE, validate_choice=False)
    werkvorm = RadioField(coerce=int, choices=SCALE, validate_choice=False)
    remark = TextAreaField(_l("Opmerking (niet verplicht)"))
