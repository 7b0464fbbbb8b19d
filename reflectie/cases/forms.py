"""Case forms: field shape only. The rules (required to bring in, lengths, kwestie numbers)
live in services, so the form, the API and the import all give the same Dutch messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from reflectie.cases.models import CaseStatus, Kwestie, Value, Visibility
from reflectie.cases.services import CaseInput
from reflectie.forms import choices

REQUIRED = _l("Dit veld is verplicht.")
DILEMMA_SHAPE = _l("Moet ik A, met als gevolg X, of B, met als gevolg Y?")

# Dutch names of the case fields, for messages, the conflict page, the diff and the import.
FIELD_LABELS: dict[str, Any] = {
    "title": _l("Titel"),
    "situation": _l("Situatie"),
    "help_question": _l("Hulpvraag of leervraag"),
    "dilemma": _l("Dilemma"),
    "stakeholders": _l("Betrokkenen"),
    "own_role": _l("Eigen rol en wat al geprobeerd is"),
    "values": _l("Waarden in het geding"),
    "kwesties": _l("Kwesties"),
    "tags": _l("Labels"),
    "visibility": _l("Zichtbaar voor"),
    "status": _l("Status"),
    "body": _l("Reactie"),
    "file": _l("Bestand"),
    "record": _l("Casus"),
}
STATUS_LABELS: dict[str, Any] = {
    CaseStatus.CONCEPT: _l("concept"),
    CaseStatus.INGEBRACHT: _l("ingebracht"),
    CaseStatus.BESPROKEN: _l("besproken"),
    CaseStatus.AFGEROND: _l("afgerond"),
}
VISIBILITY_LABELS: dict[str, Any] = {
    Visibility.TEAM: _l("Het team"),
    Visibility.PRIVATE: _l("Alleen ik"),
}
# Errors the services report under a CaseInput name land on this form field.
ERROR_FIELDS = {"kwesties": "primary_kwestie"}
# The form fields a case's text travels in (the expired-session page carries exactly these).
CASE_FIELDS = (
    "title",
    "situation",
    "help_question",
    "dilemma",
    "stakeholders",
    "own_role",
    "values",
    "other_values",
    "primary_kwestie",
    "secondary_kwesties",
    "tags",
    "visibility",
    "version",
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def split_list(text: str | None) -> list[str]:
    """ "a, b ,c" → ["a", "b", "c"]."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def to_number(text: str) -> int:
    # Anything that is not a number becomes 0, which the service refuses with its own message.
    return int(text) if text.isdigit() and len(text) < 6 else 0


class CaseForm(FlaskForm):
    title = StringField(
        _l("Titel"),
        description=_l("Een korte titel zonder namen of andere herkenbare gegevens."),
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
    situation = TextAreaField(
        _l("Situatie"),
        description=_l(
            "Wat gebeurde er, bij wie en wanneer? Schrijf zonder herleidbare gegevens. "
            "U kunt Markdown gebruiken: *schuin*, **vet**, lijstjes met -."
        ),
        render_kw={"rows": 10},
    )
    help_question = TextAreaField(
        _l("Hulpvraag of leervraag"),
        description=_l("Wat wilt u van de groep: meedenken, een besluit toetsen, leren?"),
        render_kw={"rows": 3},
    )
    dilemma = TextAreaField(
        _l("Dilemma"),
        description=_l(
            "Schrijf de keuze op als: „Moet ik A, met als gevolg X, of B, met als gevolg Y?”"
        ),
        render_kw={"rows": 3, "placeholder": DILEMMA_SHAPE},
    )
    stakeholders = TextAreaField(
        _l("Betrokkenen"),
        description=_l("Wie zijn erbij betrokken, en hoe kijken zij ertegenaan?"),
        render_kw={"rows": 4},
    )
    own_role = TextAreaField(
        _l("Eigen rol en wat al geprobeerd is"),
        description=_l("Wat is uw rol, en wat heeft u of het team al geprobeerd?"),
        render_kw={"rows": 4},
    )
    values = MultiCheckboxField(
        _l("Waarden in het geding"),
        description=_l("Kies de waarden die met elkaar botsen."),
        validate_choice=False,  # the service checks the values; unknown ones are free values
    )
    other_values = StringField(
        _l("Andere waarden"),
        description=_l("Staat een waarde er niet bij? Schrijf hem hier, gescheiden door komma's."),
    )
    primary_kwestie = RadioField(
        _l("Belangrijkste kwestie"),
        description=_l("Aan welke kwestie raakt de casus het meest? De richtvragen staan ernaast."),
        validate_choice=False,  # numbers outside 1-7 get the service's message
    )
    secondary_kwesties = MultiCheckboxField(
        _l("Andere kwesties"),
        description=_l("Raakt de casus ook aan andere kwesties? Kies er zoveel als nodig."),
        validate_choice=False,
    )
    tags = StringField(
        _l("Labels"),
        description=_l("Trefwoorden, gescheiden door komma's, bijvoorbeeld: schulden, jeugd."),
        render_kw={"list": "tag-suggesties", "autocomplete": "off"},
    )
    visibility = RadioField(
        _l("Zichtbaar voor"),
        description=_l(
            "Een casus van het team lezen alle teamleden; alleen u ziet een privécasus."
        ),
        choices=choices(VISIBILITY_LABELS.items()),
        default=Visibility.TEAM.value,
        validate_choice=False,
    )
    version = HiddenField()  # the optimistic lock: the version this editor loaded

    def set_choices(self, kwesties: Iterable[Kwestie], values: Iterable[Value]) -> None:
        kwesties = list(kwesties)
        self.primary_kwestie.choices = choices(
            [("", _l("Nog niet gekozen")), *((k.number, f"{k.number}. {k.name}") for k in kwesties)]
        )
        self.secondary_kwesties.choices = choices(
            (k.number, f"{k.number}. {k.name}") for k in kwesties
        )
        self.values.choices = choices((v.name, v.name) for v in values)

    def seeded_values(self) -> set[str]:
        return {str(choice.value) for choice in self.values.choices or []}

    def chosen_kwesties(self) -> list[int]:
        """Primary first, then the secondary ones, each once."""
        primary = (self.primary_kwestie.data or "").strip()
        numbers = [to_number(primary)] if primary else []
        numbers += [to_number(str(n)) for n in self.secondary_kwesties.data or []]
        return list(dict.fromkeys(numbers))

    def expected_version(self) -> int:
        return to_number((self.version.data or "").strip())

    def to_input(self) -> CaseInput:
        return CaseInput(
            title=self.title.data or "",
            situation=self.situation.data or "",
            help_question=self.help_question.data or "",
            dilemma=self.dilemma.data or "",
            stakeholders=self.stakeholders.data or "",
            own_role=self.own_role.data or "",
            values=[*(self.values.data or []), *split_list(self.other_values.data)],
            kwesties=self.chosen_kwesties(),
            tags=split_list(self.tags.data),
            visibility=self.visibility.data or Visibility.TEAM.value,
        )

    def draft_data(self) -> dict[str, Any]:
        """The text as a draft keeps it (CaseInput's names; not checked, a draft may be
        unfinished)."""
        data = self.to_input()
        return {
            "title": data.title,
            "situation": data.situation,
            "help_question": data.help_question,
            "dilemma": data.dilemma,
            "stakeholders": data.stakeholders,
            "own_role": data.own_role,
            "values": data.values,
            "kwesties": [k for k in data.kwesties if k],
            "tags": data.tags,
            "visibility": data.visibility,
            "version": self.expected_version(),
        }


def form_data(source: Mapping[str, Any], seeded_values: set[str]) -> dict[str, Any]:
    """Form field data from a case snapshot or a draft (both in CaseInput's names)."""
    values = [str(v) for v in source.get("values") or []]
    kwesties = [str(k) for k in source.get("kwesties") or []]
    data = {
        name: source.get(name) or ""
        for name in ("title", "situation", "help_question", "dilemma", "stakeholders", "own_role")
    }
    return {
        **data,
        "values": [v for v in values if v in seeded_values],
        "other_values": ", ".join(v for v in values if v not in seeded_values),
        "primary_kwestie": kwesties[0] if kwesties else "",
        "secondary_kwesties": kwesties[1:],
        "tags": ", ".join(str(t) for t in source.get("tags") or []),
        "visibility": source.get("visibility") or Visibility.TEAM.value,
        "version": str(source.get("version") or ""),
    }


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status"), choices=choices(STATUS_LABELS.items()), validate_choice=False
    )
    version = HiddenField()


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Uw reactie"),
        validators=[DataRequired(_l("Schrijf eerst een reactie."))],
        description=_l("Een korte reactie voor de bespreking; alle teamleden kunnen hem lezen."),
        render_kw={"rows": 3},
    )


class VersionForm(FlaskForm):
    """A button that acts on a case as it was loaded (restore a revision)."""

    version = HiddenField()


class DeleteForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    file = FileField(
        _l("Bestand met casussen (JSON)"),
        validators=[FileRequired(_l("Kies een bestand."))],
        description=_l(
            "Een lijst van casussen in het JSON-formaat van de export, hoogstens 2 MB. "
            "Alle casussen worden geïmporteerd, of geen enkele."
        ),
        render_kw={"accept": ".json,application/json"},
    )


class FilterForm(Form):
    """The filters above the case list (GET, no CSRF: it changes nothing)."""

    kwestie = SelectField(_l("Kwestie"), validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("Alle")), *STATUS_LABELS.items()]),
        validate_choice=False,
    )
    author = SelectField(_l("Auteur"), validate_choice=False)
    tag = StringField(_l("Label"), render_kw={"list": "tag-suggesties", "autocomplete": "off"})
    since = DateField(_l("Gewijzigd vanaf"))
    until = DateField(_l("Gewijzigd tot en met"))
    sort = SelectField(
        _l("Sorteer op"),
        choices=choices(
            [
                ("updated", _l("Laatst gewijzigd")),
                ("created", _l("Nieuwste eerst")),
                ("oldest", _l("Oudste eerst")),
                ("title", _l("Titel")),
            ]
        ),
        validate_choice=False,
    )
