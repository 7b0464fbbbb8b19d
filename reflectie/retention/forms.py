"""The retention policy form: field shape only; ranges are checked by the service too."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange

from reflectie.forms import choices
from reflectie.retention.models import (
    MAX_CASE_YEARS,
    MAX_DELETED_CASE_DAYS,
    MIN_CASE_YEARS,
    RetentionAction,
)

REQUIRED = _l("Dit veld is verplicht.")


class RetentionPolicyForm(FlaskForm):
    case_years = IntegerField(
        _l("Bewaartermijn van casussen (jaren)"),
        validators=[InputRequired(REQUIRED), NumberRange(MIN_CASE_YEARS, MAX_CASE_YEARS)],
        description=_l(
            "Gerekend vanaf de laatste keer dat iemand aan de casus werkte: bewerken, reageren "
            "of bespreken in een bijeenkomst."
        ),
    )
    action = RadioField(
        _l("Wat gebeurt er na de termijn?"),
        choices=choices(
            [
                (RetentionAction.DELETE.value, _l("Verwijderen (zoals bij een AVG-verzoek)")),
                (
                    RetentionAction.ANONYMISE.value,
                    _l("Anonimiseren: alle tekst weg, kwesties en datums blijven voor inzichten"),
                ),
            ]
        ),
        validators=[InputRequired(REQUIRED)],
    )
    deleted_case_days = IntegerField(
        _l("Verwijderde casussen definitief wissen na (dagen)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, MAX_DELETED_CASE_DAYS)],
        description=_l("Een casus die een team verwijderde, blijft tot dan in de database."),
    )
