"""The forms of the publishing pages (field shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField


class PublicationForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Titel"))
    situation = TextAreaField(_l("Situatie"))
    help_question = TextAreaField(_l("Hulpvraag"))
    dilemma = TextAreaField(_l("Dilemma"))
    stakeholders = TextAreaField(_l("Betrokkenen"))
    own_role = TextAreaField(_l("Eigen rol en wat al geprobeerd is"))
    values = StringField(_l("Waarden"), description=_l("Gescheiden door komma's."))
    themes = StringField(_l("Thema's"), description=_l("Gescheiden door komma's."))
    outcome_dilemma = TextAreaField(_l("Uitkomst: het dilemma"))
    outcome_considerations = TextAreaField(_l("Uitkomst: overwegingen"))
    outcome_conclusion = TextAreaField(_l("Uitkomst: conclusie"))
    method_id = SelectField(
        _l("Werkvorm"),
        description=_l("De werkvorm waarmee het team de casus besprak."),
        validate_choice=False,
    )
    show_outcome = BooleanField(_l("Toon de uitkomst van het moreel beraad bij de casus"))
    show_source = BooleanField(
        _l("Noem onze organisatie als bron in het colofon (nooit het team of personen)")
    )


class ReplaceForm(FlaskForm):
    text = HiddenField()
    kind = HiddenField()


class SafeForm(FlaskForm):
    text = HiddenField()


class ReviewForm(FlaskForm):
    to_library = BooleanField(_l("In de onderwijsbibliotheek (voor hbo-docenten)"), default=True)
    community_id = SelectField(_l("In een leergemeenschap (optioneel)"), validate_choice=False)
    remarks = TextAreaField(_l("Opmerkingen voor de auteur"))
