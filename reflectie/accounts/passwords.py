"""Password hashing (Argon2id, R-08) and the password policy (R-09). The only module that hashes."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True for hashes made with weaker (older) parameters than the configured ones."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships a ranked list of the 30,000 most common leaked passwords (Dutch ones too).
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | {"wachtwoord", "reflectie", "wijkteam"}


def password_problems(password: str, *, context: tuple[str, ...] = ()) -> list[str]:
    """Dutch messages for each way `password` breaks the policy; empty when it is fine.

    Length and common-password checks only, no composition rules (ASVS 6.2). `context` holds
    words the password may not be (e-mail, name, organisation).
    """
    cfg = current_app.config
    problems = []
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        problems.append(
            str(_l("Kies een wachtwoord van minstens %(n)s tekens.", n=cfg["PASSWORD_MIN_LENGTH"]))
        )
    elif len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        problems.append(
            str(_l("Kies een wachtwoord van hoogstens %(n)s tekens.", n=cfg["PASSWORD_MAX_LENGTH"]))
        )
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append(
            str(_l("Dit wachtwoord komt voor in lijsten van veelgebruikte wachtwoorden."))
        )
    words = {w.lower() for w in context if w} | {
        w.lower().split("@")[0] for w in context if "@" in w
    }
    if lowered in words:
        problems.append(str(_l("Gebruik niet uw e-mailadres, naam of organisatie als wachtwoord.")))
    return problems
