"""Password storage (R-08) and policy (R-09)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type
from sqlalchemy import select

from reflectie import create_app
from reflectie.accounts import services
from reflectie.accounts.models import User
from reflectie.accounts.passwords import hash_password, password_problems, verify_password
from reflectie.config import Defaults
from reflectie.db import db
from reflectie.errors import Invalid
from tests.factories import PASSWORD, make_user

OWASP_FLOOR = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}


def test_production_hashes_are_argon2id_at_or_above_the_owasp_floor(tmp_path):
    """R-08: Argon2id, at or above the OWASP parameters, in production."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        stored = hash_password("een lang genoeg wachtwoord")
    parsed = extract_parameters(stored)
    assert parsed.type is Type.ID
    assert parsed.memory_cost >= OWASP_FLOOR["memory_cost"]
    assert parsed.time_cost >= OWASP_FLOOR["time_cost"]
    assert parsed.parallelism >= OWASP_FLOOR["parallelism"]
    assert (parsed.memory_cost, parsed.time_cost) == (
        Defaults.ARGON2_MEMORY_COST,
        Defaults.ARGON2_TIME_COST,
    )


def test_an_old_weaker_hash_is_rehashed_on_login(app, client):
    with app.app_context():
        user = make_user()
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16)
        user.password_hash = weak.hash(PASSWORD)
        db.session.commit()
        email, old = user.email, user.password_hash
    app.config["ARGON2_TIME_COST"] = 2  # the install raised its cost since the hash was made
    try:
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        with app.app_context():
            new = db.session.scalar(select(User.password_hash).where(User.email == email))
            assert new != old
            assert "t=2" in new
            assert verify_password(new, PASSWORD)
    finally:
        app.config["ARGON2_TIME_COST"] = 1


@pytest.mark.usefixtures("ctx")
class TestPolicy:
    """R-09: the password policy: a minimum length, no composition rules, no common passwords."""

    def test_seven_characters_are_too_short(self):
        assert password_problems("abcdefg") == ["Kies een wachtwoord van minstens 8 tekens."]

    @pytest.mark.parametrize("length", [8, 64, 128])
    def test_long_passwords_are_accepted_without_composition_rules(self, length):
        assert password_problems(("fiets-zon-" * 13)[:length]) == []

    @pytest.mark.parametrize(
        "common", ["password", "12345678", "wachtwoord", "welkom01", "Qwerty123"]
    )
    def test_common_passwords_are_refused(self, common):
        problems = password_problems(common)
        assert "Dit wachtwoord komt voor in lijsten van veelgebruikte wachtwoorden." in problems

    def test_the_email_or_name_is_not_a_password(self):
        problems = password_problems("anna.jansen", context=("anna.jansen@example.test", "Anna"))
        assert "Gebruik niet uw e-mailadres, naam of organisatie als wachtwoord." in problems

    def test_whitespace_and_unicode_are_kept_exactly(self):
        password = "  zeer geheim wachtwoord met ë en 🙂  "
        user = services.create_user(email="uni@example.test", name="U", password=password)
        assert verify_password(user.password_hash, password)
        assert not verify_password(user.password_hash, password.strip())

    def test_creating_a_user_with_a_weak_password_names_the_field(self):
        with pytest.raises(Invalid) as err:
            services.create_user(email="z@example.test", name="Z", password="kort")
        assert set(err.value.fields) == {"password"}
