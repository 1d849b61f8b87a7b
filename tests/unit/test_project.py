"""The project's setup: settings from the environment, secrets at rest, logins, deployment."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection

from inbox.models import Channel
from switchboard.env import env_list, env_str
from tests.support import factories

ROOT = Path(settings.BASE_DIR)


def test_secret_read_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "app_secret"
    secret.write_text("from-the-file\n")
    monkeypatch.setenv("META_APP_SECRET_FILE", str(secret))
    monkeypatch.setenv("META_APP_SECRET", "from-the-environment")
    assert env_str("META_APP_SECRET") == "from-the-file"


def test_list_settings_split_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example, b.example,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_settings_without_services_use_sqlite_and_the_file_broker(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='switchboard.settings';"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'])"
    )
    env = {"PATH": "/usr/bin:/bin", "SWITCHBOARD_VAR_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.cache.backends.db.DatabaseCache",
    ]


def test_settings_follow_database_and_redis_urls(tmp_path):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='switchboard.settings';"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SWITCHBOARD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://postgres@db.internal:5432/sb",
        "REDIS_URL": "redis://cache.internal:6379/2",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == ["sb", "redis://cache.internal:6379/2"]


@pytest.mark.parametrize(
    "module", ["channels_fb.standin", "channels_ig.standin", "channels_tw.standin", "bench.seed"]
)
def test_stand_ins_and_the_bench_seeding_import_without_django(module):
    """A stand-in is the platform, not our code: it runs on its own, and the benchmarks
    import it (bench/seed.py) before they configure Django for their database."""
    env = {"PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-600:]


@pytest.mark.django_db
def test_channel_credentials_are_encrypted_at_rest():
    channel = factories.make_channel("testchat")
    channel.credentials = {"access_token": "EAAB-very-secret-page-token"}
    channel.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM inbox_channel WHERE id = %s", [channel.pk])
        raw = cursor.fetchone()[0]
    assert "very-secret" not in raw
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == (
        "EAAB-very-secret-page-token"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/inbox/conversation/", "/rules/"])
def test_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "/admin/login/" in response["Location"]


def test_every_model_is_in_the_admin():
    ours = [
        m
        for app in ("accounts", "inbox", "rules")
        if apps.is_installed(app)
        for m in apps.get_app_config(app).get_models()
    ]
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []


def test_docker_compose_is_well_formed_and_runs_commands_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/data" in " ".join(service["volumes"])
        command = service["command"]
        words = shlex.split(command[2]) if command[:2] == ["sh", "-c"] else command
        _assert_commands_exist(words)
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "appdata"}


def _assert_commands_exist(words):
    """Each `a && b` part names an installed program, and manage.py commands exist."""
    from django.core.management import get_commands

    parts, current = [], []
    for word in words:
        if word == "&&":
            parts.append(current)
            current = []
        else:
            current.append(word)
    parts.append(current)
    venv_bin = Path(sys.executable).parent
    for part in parts:
        program = part[0]
        if program == "python":
            assert part[1] == "manage.py" and part[2] in get_commands(), part
        else:
            assert (venv_bin / program).exists() or shutil.which(program), part
        if program == "celery":
            assert part[1:3] == ["-A", "switchboard"]
            assert part[3] in {"worker", "beat"}
        if program == "gunicorn":
            module, _, attr = part[1].partition(":")
            assert attr == "application" and (ROOT / (module.replace(".", "/") + ".py")).exists()
