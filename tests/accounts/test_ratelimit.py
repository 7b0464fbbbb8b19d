"""Login throttling per IP and per account, shared by all workers (R-10)."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from reflectie.extensions import limiter
from tests.conftest import require
from tests.factories import PASSWORD, make_team, make_user


@pytest.fixture(autouse=True)
def _limits_off_afterwards():
    # Flask-Limiter keeps its state on the one Limiter object (one app per process in
    # production); give the session's app its "limits off" test setting back.
    yield
    limiter.enabled = False


@pytest.fixture
def limited(app, make_app, bind_app, tmp_path):
    """A factory of apps with limits on, all sharing one SQLite counter file."""
    store = f"reflectie+sqlite://{tmp_path / 'limits.sqlite3'}"

    def _make(**overrides):
        return bind_app(make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=store, **overrides))

    return _make


def _email(app) -> str:
    with app.app_context():
        return make_user(team=make_team()).email


def _attempt(client, email, password="fout-wachtwoord", ip="10.1.1.1", **kwargs):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        **kwargs,
    )


def test_the_seventh_attempt_in_a_minute_from_one_ip_is_refused_in_dutch(app, limited):
    """R-10: logins are throttled per IP."""
    email = _email(app)
    client = limited().test_client()
    for n in range(6):
        assert _attempt(client, f"x{n}@example.test").status_code == 200
    response = _attempt(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Te veel pogingen" in response.text
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/account").status_code == 302  # the right password did not get in


def test_an_account_is_locked_after_ten_failures_from_any_ip(app, limited):
    """R-10: logins are throttled per account, whatever the IP."""
    email = _email(app)
    client = limited().test_client()
    for n in range(10):
        assert _attempt(client, email, ip=f"10.2.0.{n}").status_code == 200
    response = _attempt(client, email, PASSWORD, ip="10.3.0.1")
    assert response.status_code == 429
    # Another account from a fresh IP is not affected.
    other = _email(app)
    assert _attempt(client, other, PASSWORD, ip="10.4.0.1").status_code == 302


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(app, limited):
    client = limited().test_client()
    answers = [
        _attempt(client, "onbekend@example.test", ip=f"10.5.0.{n}").status_code for n in range(11)
    ]
    assert answers == [200] * 10 + [429]


def test_two_app_instances_share_the_counters(app, limited):
    first, second = limited().test_client(), limited().test_client()
    for n in range(3):
        _attempt(first, f"a{n}@example.test")
        _attempt(second, f"b{n}@example.test")
    assert _attempt(first, "c@example.test").status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_ip_counter(app, limited):
    client = limited().test_client()
    for n in range(6):
        _attempt(client, f"x{n}@example.test", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    blocked = _attempt(client, "y@example.test", headers={"X-Forwarded-For": "192.0.2.99"})
    assert blocked.status_code == 429


def test_successful_logins_do_not_count_against_the_account(app, limited):
    email = _email(app)
    client = limited(RATELIMIT_LOGIN_IP="100/minute").test_client()
    for n in range(12):
        assert _attempt(client, email, PASSWORD, ip=f"10.6.0.{n}").status_code == 302
        client.post("/logout")


@pytest.mark.redis
def test_the_redis_store_is_shared_between_instances(app, make_app, bind_app):
    url = os.environ.get("REFLECTIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        require(False, f"Redis not reachable at {url}")
    prefix = f"reflectie-test-{uuid.uuid4().hex[:8]}"
    apps = [
        bind_app(
            make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
        )
        for _ in range(2)
    ]
    first, second = (a.test_client() for a in apps)
    for n in range(3):
        _attempt(first, f"a{n}@example.test", ip="10.9.9.9")
        _attempt(second, f"b{n}@example.test", ip="10.9.9.9")
    assert _attempt(second, "c@example.test", ip="10.9.9.9").status_code == 429
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_wrong_second_factor_codes_are_throttled_per_account(app, limited):
    import pyotp

    from tests.factories import new_totp_secret

    secret = new_totp_secret()
    with app.app_context():
        email = make_user(team=make_team(), totp_secret=secret).email
    client = limited(RATELIMIT_LOGIN_IP="100/minute").test_client()
    assert _attempt(client, email, PASSWORD).status_code == 302
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + drift) for drift in (-30, 0, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    for _ in range(10):
        assert client.post("/login/tweestaps", data={"code": wrong}).status_code == 200
    right = client.post("/login/tweestaps", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 429
    assert client.get("/account").status_code == 302
