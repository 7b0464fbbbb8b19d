"""Forms for adapting a method: field shape only; the rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reflectie.forms import choices
from reflectie.methods.models import RecordKind
from reflectie.methods.services import ROLES, MethodInput, StepInput

REQUIRED = _l("Dit veld is verplicht.")
RECORD_LABELS = {
    RecordKind.TEXT: _l("vrije tekst"),
    RecordKind.LIST: _l("een lijst"),
    RecordKind.DILEMMA: _l("de dilemmazin"),
    RecordKind.OPTIONS: _l("de handelingsopties"),
    RecordKind.VALUES_PER_OPTION: _l("waarden en normen per optie"),
    RecordKind.CHOICE: _l("een keuze of conclusie"),
    RecordKind.JUDGEMENTS: _l("de afweging van elke deelnemer"),
}


class StepForm(Form):
    name = StringField(_l("Naam van de stap"), validators=[Optional(), Length(max=120)])
    minutes = IntegerField(_l("Minuten"), validators=[Optional(), NumberRange(1, 240)])
    purpose = TextAreaField(_l("Doel"), validators=[Length(max=2000)])
    questions = TextAreaField(
        _l("Richtvragen"),
        validators=[Length(max=4000)],
        description=_l("Eén vraag per regel."),
    )
    who = StringField(_l("Wie spreekt"), validators=[Length(max=120)])
    record_kind = SelectField(_l("Wat wordt vastgelegd"), choices=choices(RECORD_LABELS.items()))
    record_label = StringField(_l("Kop boven de aantekeningen"), validators=[Length(max=200)])
    remove = BooleanField(_l("Deze stap weghalen"))


class MethodForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(REQUIRED), Length(max=120)])
    purpose = TextAreaField(_l("Doel"), validators=[Length(max=4000)])
    when_to_use = TextAreaField(_l("Wanneer gebruiken"), validators=[Length(max=4000)])
    group_min = IntegerField(_l("Kleinste groep"), validators=[NumberRange(1, 100)])
    group_max = IntegerField(_l("Grootste groep"), validators=[NumberRange(1, 100)])
    roles = SelectMultipleField(
        _l("Rollen"),
        choices=choices((r, r) for r in ROLES),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    steps = FieldList(FormField(StepForm), min_entries=1, max_entries=30)

    def to_input(self) -> MethodInput:
        steps = [
            StepInput(
                name=(step.form.name.data or "").strip(),
                minutes=step.form.minutes.data or 0,
                purpose=step.form.purpose.data or "",
                questions=(step.form.questions.data or "").splitlines(),
                who=step.form.who.data or "",
                record_kind=step.form.record_kind.data,
                record_label=step.form.record_label.data or "",
            )
            for step in self.steps
            if not step.form.remove.data and (step.form.name.data or "").strip()
        ]
        return MethodInput(
            name=self.name.data or "",
            purpose=self.purpose.data or "",
            when_to_use=self.when_to_use.data or "",
            group_min=self.group_min.data or 1,
            group_max=self.group_max.data or 1,
            roles=list(self.roles.data or []),
            steps=steps,
        )


class CopyForm(FlaskForm):
    organisation_id = SelectField(_l("Voor organisatie"), coerce=int)
