"""The forms of the teaching pages (field shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional


class CollectionForm(FlaskForm):
    title = StringField(_l("Titel van de bundel"))
    description = TextAreaField(_l("Beschrijving"), description=_l("Voor wie, en waarom."))
    method_id = SelectField(_l("Werkvorm voor de les (optioneel)"), validate_choice=False)


class AddItemForm(FlaskForm):
    publication_id = SelectField(_l("Casus uit de bibliotheek"), validate_choice=False)


class AddToCollectionForm(FlaskForm):
    collection_id = SelectField(_l("Casusbundel"), validate_choice=False)
    publication_id = StringField()


class ItemForm(FlaskForm):
    questions = TextAreaField(
        _l("Vragen voor de bespreking"), description=_l("Eén vraag per regel.")
    )
    method_id = SelectField(_l("Werkvorm bij deze casus (optioneel)"), validate_choice=False)


class ShareForm(FlaskForm):
    email = EmailField(_l("E-mailadres van een andere docent"))


class AssignForm(FlaskForm):
    team_id = SelectField(_l("Klas"), validate_choice=False)
    starts_on = DateField(_l("Van"), validators=[Optional()])
    ends_on = DateField(_l("Tot en met"), validators=[Optional()])
    share_answers = BooleanField(
        _l("Studenten zien elkaars antwoorden nadat ze hun eigen antwoorden hebben ingeleverd")
    )


class ShareAnswersForm(FlaskForm):
    share_answers = BooleanField(
        _l("Studenten zien elkaars antwoorden nadat ze hun eigen antwoorden hebben ingeleverd")
    )


class LibraryForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"))
    kwestie = SelectField(_l("Kwestie"), validate_choice=False)
    value = SelectField(_l("Waarde"), validate_choice=False)
    theme = SelectField(_l("Thema"), validate_choice=False)
    method = SelectField(_l("Werkvorm"), validate_choice=False)
