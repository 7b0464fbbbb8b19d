"""The form for planning a meeting (field shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange
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
