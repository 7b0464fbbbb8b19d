"""Forms of the admin area's own pages (erasure); account forms live in reflectie/accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from reflectie.cases.erasure import MAX_REASON, MIN_IDENTIFIER

REQUIRED = _l("Dit veld is verplicht.")


class CaseNumberForm(FlaskForm):
    case_id = IntegerField(
        _l("Casusnummer"),
        validators=[InputRequired(REQUIRED), NumberRange(min=1)],
        description=_l("Het nummer uit het adres van de casus, bijvoorbeeld 123 in /cases/123."),
    )


class MatchingForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=int, validators=[InputRequired(REQUIRED)])
    text = StringField(
        _l("Zoektekst"),
        validators=[DataRequired(REQUIRED), Length(min=MIN_IDENTIFIER, max=200)],
        description=_l(
            "Bijvoorbeeld een naam of adres. U ziet daarna alleen nummers en datums van de "
            "casussen waarin de tekst staat, nooit hun inhoud."
        ),
        render_kw={"autocomplete": "off"},
    )


class EraseForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden of kenmerk van het verzoek"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_REASON)],
        description=_l("Alleen de lengte komt in het auditlog: noem hier geen namen."),
    )
    confirm = BooleanField(
        _l("Ik begrijp dat dit niet ongedaan kan worden gemaakt."),
        validators=[DataRequired(_l("Bevestig dat u de gegevens definitief wilt wissen."))],
    )


class EraseMatchingForm(EraseForm):
    team_id = HiddenField()
    text = HiddenField()
