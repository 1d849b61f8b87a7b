"""Secure by default: no secret has a usable value written in the repository.

A deployment (no DEBUG, not the demo) refuses to start without its secrets and names them;
`check --deploy` is clean with the environment the README documents; the demo makes secrets
of its own under var/; docker-compose requires every secret.
"""

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from switchboard import checks

ROOT = Path(__file__).resolve().parents[2]
SECRETS = [
    "SECRET_KEY",
    "CREDENTIALS_KEYS",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "X_CONSUMER_SECRET",
]
# What the settings used to fall back to; each was in the repository for anyone to read.
OLD_DEFAULTS = {
    "SECRET_KEY": "insecure-demo-key-set-SECRET_KEY-in-production",
    "META_APP_SECRET": "switchboard-test-app-secret",
    "META_VERIFY_TOKEN": "switchboard-verify-token",
    "X_CONSUMER_SECRET": "switchboard-test-consumer-secret",
}


def production_env(tmp_path) -> dict:
    """The environment README's "Running in production" asks for, with fresh values."""
    return {
        "PATH": "/usr/bin:/bin",
        "SWITCHBOARD_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 20 + Fernet.generate_key().decode(),
        "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
        "META_APP_SECRET": "0123456789abcdef0123456789abcdef",
        "META_VERIFY_TOKEN": "a-verify-token-of-our-own",
        "X_CONSUMER_SECRET": "an-x-consumer-secret",
        "ALLOWED_HOSTS": "inbox.example.com",
    }


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env: dict, *names: str) -> list:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {list(names)!r}]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
        timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "switchboard.settings"},
    )
    return json.loads(out.stdout)


def test_a_deployment_without_secrets_refuses_to_start_and_names_them(tmp_path):
    result = manage({"PATH": "/usr/bin:/bin", "SWITCHBOARD_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    refusal = result.stderr.strip().splitlines()[-1]
    assert "Switchboard will not start without" in refusal and "Running in production" in refusal
    assert all(name in refusal for name in SECRETS)
    assert not (tmp_path / "local-secrets.json").exists()


def test_only_the_missing_ones_are_named(tmp_path):
    env = production_env(tmp_path)
    del env["X_CONSUMER_SECRET"], env["CREDENTIALS_KEYS"]
    refusal = manage(env, "migrate", "--check").stderr.strip().splitlines()[-1]
    assert refusal.startswith(
        "django.core.exceptions.ImproperlyConfigured: Switchboard will "
        "not start without CREDENTIALS_KEYS, X_CONSUMER_SECRET."
    )


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "celery", "-A", "switchboard", "worker", "--pool=solo"],
        ["-c", "from switchboard.wsgi import application"],
    ],
    ids=["worker", "wsgi"],
)
def test_the_worker_and_the_web_process_refuse_too(tmp_path, command):
    # A worker that started would run until the timeout; a refusal ends it at once.
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SWITCHBOARD_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "Switchboard will not start without SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_readme_documents_every_required_variable_and_how_to_make_it():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    for name in [*SECRETS, "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER"]:
        assert name in section, name
    assert "check --deploy" in section
    assert "Fernet.generate_key()" in section and "secrets.token_urlsafe" in section


def test_deployment_defaults_are_https_only(tmp_path):
    values = settings_in(
        production_env(tmp_path),
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values == [True, True, True, 31536000, None]


def test_transport_security_is_set_from_the_environment(tmp_path):
    env = {
        **production_env(tmp_path),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "60",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    }
    values = settings_in(
        env,
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values == [False, False, False, 60, ["HTTP_X_FORWARDED_PROTO", "https"]]


def test_the_demo_makes_its_own_secrets_once_and_keeps_them(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SWITCHBOARD_VAR_DIR": str(tmp_path / "a"),
        "SWITCHBOARD_DEMO": "1",
    }
    names = list(OLD_DEFAULTS)
    first = settings_in(env, *names)
    again = settings_in(env, *names)
    elsewhere = settings_in({**env, "SWITCHBOARD_VAR_DIR": str(tmp_path / "b")}, *names)

    assert first == again
    assert all(a != b for a, b in zip(first, elsewhere, strict=True))
    assert not set(first) & set(OLD_DEFAULTS.values())
    kept = tmp_path / "a" / "local-secrets.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The environment still wins over what the demo made.
    assert settings_in({**env, "META_APP_SECRET": "mine"}, "META_APP_SECRET") == ["mine"]


def test_a_demo_database_from_before_keeps_its_key_so_its_channels_still_decrypt(tmp_path):
    (tmp_path / "switchboard.sqlite3").write_bytes(b"")
    env = {"PATH": "/usr/bin:/bin", "SWITCHBOARD_VAR_DIR": str(tmp_path), "SWITCHBOARD_DEMO": "1"}
    secret_key, app_secret = settings_in(env, "SECRET_KEY", "META_APP_SECRET")
    assert secret_key == OLD_DEFAULTS["SECRET_KEY"]
    assert app_secret != OLD_DEFAULTS["META_APP_SECRET"]


def test_demo_secrets_are_flagged_by_check_deploy(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SWITCHBOARD_VAR_DIR": str(tmp_path), "SWITCHBOARD_DEMO": "1"}
    result = manage(env, "check", "--deploy")
    assert "switchboard.W001" in result.stderr and "META_APP_SECRET was made for" in result.stderr
    assert "(switchboard.E002) CREDENTIALS_KEYS is not set" in result.stderr


@pytest.mark.parametrize("name", ["META_APP_SECRET", "META_VERIFY_TOKEN", "X_CONSUMER_SECRET"])
def test_the_system_check_flags_a_missing_webhook_secret(name):
    with override_settings(**{name: ""}):
        assert [e.id for e in checks.check_webhook_secrets()] == ["switchboard.E001"]
        with pytest.raises(SystemCheckError, match=f"{name} is not set"):
            call_command("check")


def test_the_system_check_is_quiet_when_every_secret_is_set():
    assert checks.check_webhook_secrets() == []
    assert checks.check_deployment_secrets() == []


def test_docker_compose_requires_every_secret():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["x-app"]["environment"]
    for name in [*SECRETS, "ALLOWED_HOSTS"]:
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", environment[name]), name
