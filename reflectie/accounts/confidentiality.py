"""Employment status and geheimhoudingsverklaringen (R-28): recording, revoking, and who to ask.

The rule (User.may_read_case_text) lives on the model; reflectie.cases.access applies it to
every case row, so no route shows a case's original text without it. Services flush; the
caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.models import ConfidentialityAgreement, EmploymentStatus, Membership, User
from reflectie.audit.services import record
from reflectie.db import db, local_today, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.permissions import Role

STATUS_LABELS: dict[EmploymentStatus, Any] = {
    EmploymentStatus.MEDEWERKER: _l("Medewerker (professional)"),
    EmploymentStatus.VRIJWILLIGER: _l("Vrijwilliger"),
    EmploymentStatus.STAGIAIR: _l("Stagiair of student"),
    EmploymentStatus.EXTERN: _l("Extern"),
}
CONTACT_ROLES = (Role.TEAMLEIDER, Role.LEERCOACH)
EARLIEST = date(2000, 1, 1)  # a typo guard: Reflectie holds no agreements from before then
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ConfidentialityRequired(NotFound):
    """The member may see that the case exists (its title is on the team's list) but not its
    text: they have no recorded geheimhoudingsverklaring (R-28).

    A NotFound, so that code which skips what it cannot load (the agenda check, the
    side-by-side editor) skips this too; the error page says 403 and explains."""

    status = 403
    code = "confidentiality_required"
    message = _l(
        "Voor het lezen van casussen is een geheimhoudingsverklaring nodig. Vraag uw "
        "teamleider of leercoach ernaar; een beheerder legt de getekende verklaring vast."
    )

    def __init__(
        self,
        *,
        action: str,
        actor: User,
        team_id: int,
        object_type: str,
        object_id: int,
    ) -> None:
        super().__init__()
        self.action, self.actor, self.team_id = action, actor, team_id
        self.object_type, self.object_id = object_type, object_id


@dataclass(frozen=True)
class ConfidentialityInput:
    employment_status: str
    signed_on: date | None = None
    version: str = ""


def _not_self(actor: User, user: User) -> None:
    # Like a publication's author who may not approve it: nobody clears themselves.
    if actor.id == user.id:
        raise Invalid(
            _l(
                "U kunt uw eigen status en geheimhoudingsverklaring niet vastleggen. "
                "Vraag een andere beheerder."
            )
        )


def _checked_agreement(data: ConfidentialityInput) -> tuple[date, str] | None:
    version = data.version.strip()
    fields: dict[str, list[str]] = {}
    if data.signed_on is None and not version:
        return None
    if data.signed_on is None:
        fields["signed_on"] = [str(_l("Vul de datum van ondertekening in."))]
    elif data.signed_on > local_today():
        fields["signed_on"] = [str(_l("De datum van ondertekening ligt in de toekomst."))]
    elif data.signed_on < EARLIEST:
        fields["signed_on"] = [str(_l("Controleer het jaartal van de ondertekening."))]
    if not version:
        fields["version"] = [str(_l("Vul de versie van de verklaring in."))]
    elif len(version) > 40 or CONTROL.search(version):
        fields["version"] = [str(_l("Gebruik hoogstens 40 gewone tekens, zoals 2026-1."))]
    if fields or data.signed_on is None:
        raise Invalid(fields=fields)
    return data.signed_on, version


def set_confidentiality(actor: User, user: User, data: ConfidentialityInput) -> None:
    """Set `user`'s employment status and record the agreement they signed (date and version
    both given), each change audited. Both may stay empty while none is recorded; a recorded
    agreement is removed only by revoke_agreement, never by a blank form.

    Raises Invalid for bad fields, or when `actor` is `user`."""
    _not_self(actor, user)
    try:
        status = EmploymentStatus(data.employment_status)
    except ValueError as err:
        raise Invalid(
            fields={"employment_status": [str(_l("Kies een status uit de lijst."))]}
        ) from err
    agreement = _checked_agreement(data)
    current = user.confidentiality_agreement
    if agreement is None and current is not None:
        raise Invalid(
            fields={
                "signed_on": [
                    str(_l("Gebruik de knop Verklaring intrekken om de verklaring te verwijderen."))
                ]
            }
        )
    if status != user.employment_status:
        record(
            "user.employment_status",
            actor=actor,
            obj=user,
            old=str(user.employment_status),
            new=str(status),
        )
        user.employment_status = status
    if agreement is not None:
        signed_on, version = agreement
        if current is None:
            user.confidentiality_agreement = ConfidentialityAgreement(
                signed_on=signed_on, version=version, recorded_by_id=actor.id
            )
        elif (current.signed_on, current.version) != (signed_on, version):
            current.signed_on, current.version = signed_on, version
            current.recorded_by_id, current.recorded_at = actor.id, utcnow()
        else:
            agreement = None  # nothing changed: no audit row
        if agreement is not None:
            record(
                "confidentiality.record",
                actor=actor,
                obj=user,
                signed_on=signed_on.isoformat(),
                version=version,
            )
    db.session.flush()


def revoke_agreement(actor: User, user: User) -> None:
    """Remove `user`'s recorded agreement (signed in error, withdrawn, out of date). From the
    next request on, a non-medewerker reads no case text. The audit row keeps what it was."""
    _not_self(actor, user)
    current = user.confidentiality_agreement
    if current is None:
        raise Invalid(_l("Voor dit account is geen geheimhoudingsverklaring vastgelegd."))
    record(
        "confidentiality.revoke",
        actor=actor,
        obj=user,
        signed_on=current.signed_on.isoformat(),
        version=current.version,
    )
    user.confidentiality_agreement = None
    db.session.flush()


def contacts_for(team_id: int | None) -> list[User]:
    """Who a member of `team_id` can ask about their agreement: its teamleiders and
    leercoaches (the member already sees the team's members)."""
    if team_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.team_id == team_id,
                Membership.role.in_(CONTACT_ROLES),
                User.active.is_(True),
            )
            .options(selectinload(User.memberships))
            .order_by(User.name)
        )
    )
