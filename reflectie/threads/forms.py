"""The forms of the community pages (field shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

MARKDOWN_HINT = _l(
    "Opmaak met Markdown: **vet**, *schuin*, > citaat, - opsomming. Noem iemand met "
    "@gebruikersnaam; alleen wie deze discussie kan lezen krijgt een melding. Schrijf nooit "
    "herleidbare gegevens van cliënten."
)


class CommunityForm(FlaskForm):
    name = StringField(_l("Naam"))
    description = TextAreaField(_l("Waar gaat deze leergemeenschap over?"))
    access = RadioField(_l("Wie kan meelezen en meedoen?"), validate_choice=False)
    organisation_id = SelectField(_l("Organisatie"), validate_choice=False)
    kwesties = SelectMultipleField(
        _l("Kwesties"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )


class ThreadForm(FlaskForm):
    title = StringField(_l("Titel"), render_kw={"maxlength": 200})
    body = TextAreaField(_l("Uw bericht"), description=MARKDOWN_HINT, render_kw={"rows": 10})
    kwesties = SelectMultipleField(
        _l("Kwesties"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    tags = StringField(
        _l("Labels"), description=_l("Gescheiden door komma's, bijvoorbeeld: schulden, jeugd.")
    )
    method = SelectField(_l("Gaat over de werkvorm (niet verplicht)"), validate_choice=False)
    published_case = SelectField(
        _l("Gaat over een geanonimiseerde casus (niet verplicht)"),
        description=_l("Alleen casussen die in deze leergemeenschap zijn gepubliceerd."),
        validate_choice=False,
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Uw reactie"), description=MARKDOWN_HINT, render_kw={"rows": 6})


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Bericht"), description=MARKDOWN_HINT, render_kw={"rows": 10})


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom meldt u dit bericht?"),
        description=_l("Alleen de moderatoren zien uw melding en uw naam."),
        validators=[Length(max=1000)],
        render_kw={"rows": 4},
    )


class HandleForm(FlaskForm):
    handle = StringField(_l("Gebruikersnaam"), description=_l("Zonder @, bijvoorbeeld: samira."))


class DigestForm(FlaskForm):
    enabled = BooleanField(
        _l("Stuur mij elke dag een e-mail met nieuwe meldingen uit mijn leergemeenschappen")
    )
