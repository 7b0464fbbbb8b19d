"""Account rules shared by views, API, CLI and tests. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

import pyotp
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from reflectie.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    PasswordResetToken,
    RecoveryCode,
    Team,
    User,
)
from reflectie.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from reflectie.audit.services import record
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.mail import send_mail
from reflectie.permissions import Role, TeamKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
TOKEN_PREFIX = "rfl_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable
RECOVERY_CODES = 10


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _checked_email(email: str, field: str = "email") -> str:
    try:
        return normalise_email(
            validate_email(
                email.strip(), check_deliverability=False, test_environment=True
            ).normalized
        )
    except EmailNotValidError as err:
        raise Invalid(fields={field: [str(_l("Vul een geldig e-mailadres in."))]}) from err


def _unique_handle(name: str, email: str) -> str:
    base = unicodedata.normalize("NFKD", name or email.split("@")[0])
    base = re.sub(r"[^a-z0-9]+", "", base.encode("ascii", "ignore").decode().lower())[:30]
    base = base or "gebruiker"
    handle, n = base, 1
    while db.session.scalar(select(User.id).where(User.handle == handle)) is not None:
        n += 1
        handle = f"{base}{n}"
    return handle


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *, email: str, name: str, password: str, is_admin: bool = False, actor: User | None = None
) -> User:
    """Create an account. Raises Invalid naming each bad field (taken e-mail, weak password)."""
    fields: dict[str, list[str]] = {}
    try:
        email = _checked_email(email)
    except Invalid as err:
        fields.update(err.fields)
    name = name.strip()
    if not name:
        fields["name"] = [str(_l("Vul een naam in."))]
    if "email" not in fields and get_user_by_email(email) is not None:
        fields["email"] = [str(_l("Er bestaat al een account met dit e-mailadres."))]
    problems = password_problems(password, context=(email, name))
    if problems:
        fields["password"] = problems
    if fields:
        raise Invalid(fields=fields)
    user = User(
        email=email,
        name=name[:200],
        handle=_unique_handle(name, email),
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", actor=actor, obj=user)
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    email: str,
    is_admin: bool,
    active: bool,
) -> User:
    """Change an account's details (admin area). Deactivating ends its sessions."""
    email = _checked_email(email)
    other = get_user_by_email(email)
    if other is not None and other.id != user.id:
        raise Invalid(fields={"email": [str(_l("Er bestaat al een account met dit e-mailadres."))]})
    if user.id == actor.id and (not is_admin or not active):
        raise Invalid(
            _l("U kunt uzelf geen beheerder af maken of blokkeren."),
            fields={"is_admin": [str(_l("U kunt uzelf geen beheerder af maken of blokkeren."))]},
        )
    if not name.strip():
        raise Invalid(fields={"name": [str(_l("Vul een naam in."))]})
    if user.active and not active:
        user.session_generation += 1
    user.name, user.email, user.is_admin, user.active = name.strip(), email, is_admin, active
    db.session.flush()
    record("user.update", actor=actor, obj=user)
    return user


# A real Argon2 hash to verify against when the e-mail is unknown, so a failed login takes
# as long for a missing account as for a wrong password (no account enumeration by timing).
_DUMMY_HASH: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Rehashes hashes with outdated parameters."""
    user = get_user_by_email(email)
    if user is None:
        dummy = _DUMMY_HASH.setdefault("hash", hash_password(secrets.token_hex(8)))
        verify_password(dummy, password)
        record("login", result="failed", reason="credentials")
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        record("login", actor=user, result="failed", reason="credentials")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def confirm_password(user: User, password: str) -> bool:
    """Re-check the password before a sensitive step (new recovery codes)."""
    return verify_password(user.password_hash, password)


def record_failed_password_check(user: User) -> None:
    record("password.check", actor=user, result="failed")


def note_login(user: User) -> None:
    user.last_login_at = utcnow()
    record("login", actor=user)


def end_all_sessions(
    user: User, *, actor: User | None = None, reason: str = "logout_everywhere"
) -> None:
    """Invalidate every session and remember cookie of `user`, on every device (R-13)."""
    user.session_generation += 1
    db.session.flush()
    record("sessions.end", actor=actor or user, obj=user, reason=reason)


def change_password(user: User, *, current: str, new: str) -> None:
    """Change the password after checking the current one; every other session ends."""
    if not verify_password(user.password_hash, current):
        raise Invalid(fields={"current_password": [str(_l("Uw huidige wachtwoord klopt niet."))]})
    problems = password_problems(new, context=(user.email, user.name))
    if problems:
        raise Invalid(fields={"new_password": problems})
    user.password_hash = hash_password(new)
    end_all_sessions(user, reason="password_change")


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid(fields={"locale": [str(_l("Kies een taal uit de lijst."))]})
    user.locale = locale


# --- two-factor authentication (R-11) -------------------------------------------------------


def requires_2fa(user: User) -> bool:
    """Beheerders always; others when an organisation they work in asks for it."""
    if user.is_admin:
        return True
    return any(m.team.organisation.require_2fa for m in user.memberships)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Reflectie")


def _totp_counter(secret: str, code: str) -> int | None:
    """The time step a code belongs to (one step of clock drift either way), or None."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Switch TOTP on after the user proved their app works; returns fresh recovery codes."""
    counter = _totp_counter(secret, _clean_code(code))
    if counter is None:
        raise Invalid(fields={"code": [str(_l("Deze code klopt niet. Probeer de nieuwste code."))]})
    user.totp_secret, user.totp_enabled_at, user.totp_last_counter = secret, utcnow(), counter
    codes = new_recovery_codes(user)
    record("2fa.enable", actor=user)
    return codes


def disable_totp(user: User, password: str) -> None:
    if requires_2fa(user):
        raise Invalid(_l("Voor uw account is tweestapsverificatie verplicht."))
    if not verify_password(user.password_hash, password):
        raise Invalid(fields={"password": [str(_l("Uw wachtwoord klopt niet."))]})
    user.totp_secret = user.totp_enabled_at = user.totp_last_counter = None
    for code in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(code)
    record("2fa.disable", actor=user)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and stored hashed."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=sha256(c)) for c in codes)
    db.session.flush()
    return codes


def _clean_code(code: str) -> str:
    return re.sub(r"\s+", "", code).lower()


def verify_second_factor(user: User, code: str) -> bool:
    """Check a TOTP code (each time step at most once) or an unused recovery code."""
    code = _clean_code(code)
    if user.totp_secret and re.fullmatch(r"\d{6}", code):
        counter = _totp_counter(user.totp_secret, code)
        if counter is not None and counter > (user.totp_last_counter or -1):
            user.totp_last_counter = counter
            record("2fa.verify", actor=user)
            return True
    elif re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", code):
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == sha256(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = utcnow()
            record("2fa.recovery_code", actor=user)
            return True
    record("2fa.verify", actor=user, result="failed")
    return False


def unused_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# --- password reset ---------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a one-time reset link when the account exists. The caller answers the same either
    way, so the form reveals nothing about which e-mail addresses have an account."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    raw = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=sha256(raw), expires_at=utcnow() + timedelta(hours=hours)
        )
    )
    record("password.reset_requested", actor=user)
    link = url_for("accounts.reset_password", token=raw, _external=True)
    send_mail(
        user.email,
        str(_l("Nieuw wachtwoord voor Reflectie")),
        str(
            _l(
                "Beste %(name)s,\n\nU vroeg om een nieuw wachtwoord. Kies het via deze link "
                "(%(hours)s uur geldig, één keer te gebruiken):\n\n%(link)s\n\nVroeg u dit niet? "
                "Dan kunt u dit bericht negeren; uw wachtwoord blijft hetzelfde.",
                name=user.name,
                hours=hours,
                link=link,
            )
        ),
    )


def _reset_token(raw: str) -> PasswordResetToken:
    token = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == sha256(raw))
    )
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        raise Invalid(_l("Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."))
    return token


def check_reset_token(raw: str) -> None:
    _reset_token(raw)


def reset_password(raw: str, new_password: str) -> User:
    """Set a new password with a reset token; the token is spent and all sessions end.
    The user still logs in (with the second factor) afterwards: a reset never bypasses 2FA."""
    token = _reset_token(raw)
    user = token.user
    problems = password_problems(new_password, context=(user.email, user.name))
    if problems:
        raise Invalid(fields={"new_password": problems})
    user.password_hash = hash_password(new_password)
    token.used_at = utcnow()
    end_all_sessions(user, reason="password_reset")
    return user


# --- API tokens (R-14) ------------------------------------------------------------------------


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`. The plain value is returned once and stored only hashed."""
    name = name.strip()[:100]
    if not name:
        raise Invalid(fields={"name": [str(_l("Geef het token een naam."))]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits
    token = ApiToken(user_id=user.id, name=name, token_hash=sha256(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    record("token.create", actor=user, obj=token)
    return token, raw


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", actor=user, obj=token)


def user_for_token(raw: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # Write the last-use time at most once a minute: one UPDATE per API call would serialise
    # every reader on SQLite.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token.user


# --- organisations, teams, memberships --------------------------------------------------------


def _check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise Invalid(
            fields={"slug": [str(_l("Gebruik 2 tot 80 kleine letters, cijfers of streepjes."))]}
        )
    return slug


def create_organisation(
    actor: User | None, *, slug: str, name: str, require_2fa: bool = False
) -> Organisation:
    slug = _check_slug(slug)
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Invalid(fields={"slug": [str(_l("Deze korte naam is al in gebruik."))]})
    if not name.strip():
        raise Invalid(fields={"name": [str(_l("Vul een naam in."))]})
    org = Organisation(slug=slug, name=name.strip(), require_2fa=require_2fa)
    db.session.add(org)
    db.session.flush()
    record("organisation.create", actor=actor, obj=org)
    return org


def update_organisation(actor: User, org: Organisation, *, name: str, require_2fa: bool) -> None:
    if not name.strip():
        raise Invalid(fields={"name": [str(_l("Vul een naam in."))]})
    org.name, org.require_2fa = name.strip(), require_2fa
    record("organisation.update", actor=actor, obj=org)


def create_team(
    actor: User | None,
    *,
    organisation: Organisation,
    slug: str,
    name: str,
    kind: TeamKind = TeamKind.WIJKTEAM,
) -> Team:
    slug = _check_slug(slug)
    if db.session.scalar(select(Team.id).where(Team.slug == slug)):
        raise Invalid(fields={"slug": [str(_l("Deze korte naam is al in gebruik."))]})
    if not name.strip():
        raise Invalid(fields={"name": [str(_l("Vul een naam in."))]})
    team = Team(organisation=organisation, slug=slug, name=name.strip(), kind=TeamKind(kind))
    db.session.add(team)
    db.session.flush()
    record("team.create", actor=actor, obj=team, team_id=team.id)
    return team


def update_team(actor: User, team: Team, *, name: str, kind: TeamKind) -> None:
    if not name.strip():
        raise Invalid(fields={"name": [str(_l("Vul een naam in."))]})
    team.name, team.kind = name.strip(), TeamKind(kind)
    record("team.update", actor=actor, obj=team, team_id=team.id)


def set_membership(actor: User | None, *, team: Team, user: User, role: Role) -> Membership:
    """Add `user` to `team` with `role`, or change the role they have there."""
    membership = db.session.scalar(
        select(Membership).where(Membership.team_id == team.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(team=team, user=user, role=Role(role))
        db.session.add(membership)
    else:
        membership.role = Role(role)
    db.session.flush()
    record("membership.set", actor=actor, obj=membership, team_id=team.id, role=str(role))
    return membership


def remove_membership(actor: User, membership: Membership) -> None:
    record("membership.remove", actor=actor, obj=membership, team_id=membership.team_id)
    membership.user.memberships.remove(membership)
    db.session.flush()


def find(model: type[Any], **criteria: Any) -> Any:
    """The one row of `model` matching `criteria` (admin area and CLI), or NotFound."""
    row = db.session.scalar(select(model).filter_by(**criteria))
    if row is None:
        raise NotFound
    return row
