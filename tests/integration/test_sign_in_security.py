"""Signing in, as an attacker and an agent would: throttling, password rules, headers.

The counts live in the shared cache (Redis on CI, the database cache without it).
"""

import time

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from accounts.models import User
from tests.support.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(
    client: Client,
    username: str,
    password: str,
    *,
    address: str = "198.51.100.7",
    path: str = "/login/",
):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# ---- throttling -----------------------------------------------------------------------------


def test_sixty_wrong_passwords_then_the_right_one_is_refused():
    make_user("anna")
    client = Client()
    for _ in range(60):
        assert sign_in(client, "anna", "guess-" + "x" * 8).status_code == 200
    page = sign_in(client, "anna", PASSWORD)
    assert not signed_in(client)
    assert "Too many failed sign-ins" in page.content.decode()


def test_ten_wrong_passwords_lock_the_username_from_any_address():
    make_user("anna")
    client = Client()
    for n in range(10):
        sign_in(client, "anna", "wrong-password", address=f"203.0.113.{n}")
    sign_in(client, "anna", PASSWORD, address="192.0.2.50")
    assert not signed_in(client)


def test_nine_wrong_passwords_still_let_the_agent_in_and_reset_the_count():
    make_user("anna")
    client = Client()
    for _ in range(9):
        sign_in(client, "anna", "wrong-password")
    assert sign_in(client, "anna", PASSWORD).status_code == 302
    assert signed_in(client)
    client.logout()
    for _ in range(9):
        sign_in(client, "anna", "wrong-password", address="192.0.2.99")
    assert sign_in(client, "anna", PASSWORD, address="192.0.2.99").status_code == 302


def test_ten_wrong_passwords_from_one_address_lock_that_address_for_every_username():
    make_user("anna")
    make_user("jack")
    attacker, colleague = Client(), Client()
    for n in range(10):
        sign_in(attacker, f"user{n}", "wrong-password", address="198.51.100.66")
    page = sign_in(attacker, "jack", PASSWORD, address="198.51.100.66")
    assert not signed_in(attacker) and "Too many failed sign-ins" in page.content.decode()
    sign_in(colleague, "anna", PASSWORD, address="192.0.2.10")
    assert signed_in(colleague)


def test_the_lock_ends_with_the_window():
    make_user("anna")
    client = Client()
    # Long enough that ten sign-ins fit in it on a loaded CI machine.
    with override_settings(LOGIN_FAILURE_WINDOW_SECONDS=6):
        for _ in range(10):
            sign_in(client, "anna", "wrong-password")
        sign_in(client, "anna", PASSWORD)
        assert not signed_in(client)
        time.sleep(6.5)
        sign_in(client, "anna", PASSWORD)
    assert signed_in(client)


def test_the_admin_sign_in_is_throttled_too():
    make_user("ada", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(10):
        sign_in(client, "ada", "wrong-password", path="/admin/login/")
    page = sign_in(client, "ada", PASSWORD, path="/admin/login/")
    assert not signed_in(client) and "Too many failed sign-ins" in page.content.decode()


@override_settings(LOGIN_CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_each_client_address_is_counted_on_its_own():
    make_user("anna")
    attacker, colleague = Client(), Client()
    for n in range(10):
        attacker.post(
            "/login/",
            {"username": f"user{n}", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66",
        )
    colleague.post(
        "/login/",
        {"username": "anna", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )
    assert signed_in(colleague)


# ---- password rules -------------------------------------------------------------------------


def test_anna1234_is_refused_as_annas_password():
    anna = make_user("anna")
    with pytest.raises(ValidationError):
        validate_password("anna1234", user=anna)
    validate_password("quiet-lantern-harbour", user=anna)


def test_the_admin_refuses_anna1234_when_adding_anna(client):
    client.force_login(make_user("ada", role="admin", is_staff=True, is_superuser=True))
    page = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "anna",
            "password1": "anna1234",
            "password2": "anna1234",
            "usable_password": "true",
            "role": "agent",
        },
    )
    assert page.status_code == 200
    assert not User.objects.filter(username="anna").exists()
    assert "This password is too short" in page.content.decode()


def test_the_admin_refuses_anna1234_when_changing_annas_password(client):
    anna = make_user("anna")
    client.force_login(make_user("ada", role="admin", is_staff=True, is_superuser=True))
    page = client.post(
        f"/admin/accounts/user/{anna.pk}/password/",
        {"password1": "anna1234", "password2": "anna1234", "usable_password": "true"},
    )
    assert page.status_code == 200
    assert authenticate(username="anna", password=PASSWORD) is not None


# ---- headers --------------------------------------------------------------------------------


def test_every_page_has_a_content_security_policy_without_inline_script(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]
    assert "http" not in policy  # no CDN anywhere


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_deployment_transport_security_redirects_and_marks_cookies_secure():
    make_user("anna")
    client = Client()
    assert client.get("/login/")["Location"] == "https://testserver/login/"
    page = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies["csrftoken"]["secure"]
    signed = client.post(
        "/login/", {"username": "anna", "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert signed.cookies["sessionid"]["secure"]


def test_with_the_cache_unreachable_sign_in_still_works_unthrottled():
    make_user("anna")
    client = Client()
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead):
        assert sign_in(client, "anna", "wrong-password").status_code == 200
        assert sign_in(client, "anna", PASSWORD).status_code == 302
    assert signed_in(client)
