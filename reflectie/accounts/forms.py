"""Account forms: field shape only; rules that need the database live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from reflectie.accounts.confidentiality import STATUS_LABELS, ConfidentialityInput
from reflectie.forms import CredentialsForm, choices
from reflectie.permissions import Role, TeamKind

REQUIRED = _l("Dit veld is verplicht.")


class LoginForm(CredentialsForm):
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat (14 dagen)"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("De zescijferige code uit uw authenticator-app, of een herstelcode."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


class SetupSecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code uit de app"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("Scan de QR-code of voer de sleutel in, en typ de code die de app toont."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(REQUIRED)],
        description=_l(
            "Minstens 8 tekens. Een zin van een paar woorden is sterk en makkelijk te onthouden."
        ),
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field(_l("Nieuw wachtwoord"))
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("De wachtwoorden verschillen.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        # No format check: the answer is the same for every address anyway (no enumeration).
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(FlaskForm):
    new_password = _new_password_field(_l("Nieuw wachtwoord"))
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("De wachtwoorden verschillen.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Taal"), choices=choices([("nl", "Nederlands"), ("en", "English")]))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Naam van het token"),
        validators=[DataRequired(REQUIRED), Length(max=100)],
        description=_l("Waarvoor gebruikt u het? Bijvoorbeeld: export naar het teamoverzicht."),
    )


# --- admin area ---------------------------------------------------------------------------------


class OrganisationForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(REQUIRED), Length(max=200)])
    slug = StringField(
        _l("Korte naam"),
        validators=[DataRequired(REQUIRED), Length(max=80)],
        description=_l("Voor adressen en de opdrachtregel: kleine letters, cijfers en streepjes."),
    )
    require_2fa = BooleanField(_l("Tweestapsverificatie verplicht voor alle medewerkers"))


class TeamForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(REQUIRED), Length(max=200)])
    slug = StringField(
        _l("Korte naam"),
        validators=[DataRequired(REQUIRED), Length(max=80)],
        description=_l("Voor adressen en de opdrachtregel: kleine letters, cijfers en streepjes."),
    )
    kind = SelectField(
        _l("Soort team"),
        choices=choices(
            [
                (TeamKind.WIJKTEAM, _l("Wijkteam")),
                (TeamKind.INTERVISIEGROEP, _l("Intervisiegroep")),
                (TeamKind.KLAS, _l("Klas")),
            ]
        ),
    )
    organisation_id = SelectField(_l("Organisatie"), coerce=int)


ROLE_CHOICES = [
    (Role.LID, _l("Lid")),
    (Role.LEERCOACH, _l("Leercoach")),
    (Role.TEAMLEIDER, _l("Teamleider")),
    (Role.DOCENT, _l("Docent")),
    (Role.STUDENT, _l("Student")),
]


class MembershipForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres van de gebruiker"), validators=[DataRequired(REQUIRED), Length(max=254)]
    )
    role = SelectField(_l("Rol"), choices=choices(ROLE_CHOICES))


class RoleForm(FlaskForm):
    role = SelectField(_l("Rol"), choices=choices(ROLE_CHOICES))


class NewUserForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = _new_password_field(_l("Voorlopig wachtwoord"))
    is_admin = BooleanField(_l("Beheerder"))


class EditUserForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(REQUIRED), Length(max=254)])
    is_admin = BooleanField(_l("Beheerder"))
    active = BooleanField(_l("Actief (kan inloggen)"))


class ConfidentialityForm(FlaskForm):
    """R-28: status and the recorded geheimhoudingsverklaring (admin area)."""

    employment_status = SelectField(
        _l("Status"),
        choices=choices(STATUS_LABELS.items()),
        description=_l(
            "Vrijwilligers, stagiairs en externen lezen de tekst van casussen pas als hun "
            "geheimhoudingsverklaring hieronder is vastgelegd."
        ),
    )
    signed_on = DateField(
        _l("Getekend op"),
        validators=[Optional()],
        description=_l("De datum op de getekende verklaring."),
    )
    version = StringField(
        _l("Versie van de verklaring"),
        validators=[Length(max=40)],
        description=_l("Zoals die op het formulier staat, bijvoorbeeld 2026-1."),
    )

    def to_input(self) -> ConfidentialityInput:
        return ConfidentialityInput(
            employment_status=self.employment_status.data or "",
            signed_on=self.signed_on.data,
            version=self.version.data or "",
        )
