"""`make run`'s setup: the demo accounts with logins kept under var/, sandbox channels, examples."""

import json
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from accounts.models import Role, User
from inbox.connectors import registry
from inbox.models import Channel
from rules.models import Rule

pytestmark = pytest.mark.django_db

ROLES = {"admin": Role.ADMIN, "maria": Role.MANAGER, "anna": Role.AGENT, "jack": Role.AGENT}


@pytest.fixture(autouse=True)
def own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> dict[str, str]:
    return {
        name: password
        for _role, name, password in re.findall(
            r"^\s+(admin|manager|agent)\s+(\w+)\s+(\S+)$", output, re.M
        )
    }


def test_setup_demo_prints_working_logins_for_each_role_and_connects_every_stand_in():
    logins = printed_logins(setup_demo())

    assert set(logins) == set(ROLES)
    for username, password in logins.items():
        user = authenticate(username=username, password=password)
        assert user is not None and user.role == ROLES[username], username
        validate_password(password, user)  # what Django asks of any password
    assert len(set(logins.values())) == len(logins)  # one each, not one for all
    kinds = set(Channel.objects.values_list("kind", flat=True))
    assert {"facebook", "instagram", "x"} <= kinds <= set(registry.kinds())
    for channel in Channel.objects.all():
        assert channel.api_base_url.startswith("http://127.0.0.1:")
    assert Rule.objects.filter(enabled=True).exists()


def test_restarting_keeps_the_logins_and_creates_nothing_twice(own_var_dir):
    first = printed_logins(setup_demo())
    counts = (User.objects.count(), Channel.objects.count(), Rule.objects.count())
    again = printed_logins(setup_demo())

    assert again == first
    assert (User.objects.count(), Channel.objects.count(), Rule.objects.count()) == counts
    assert json.loads((own_var_dir / "demo-logins.json").read_text()) == first
    assert (own_var_dir / "demo-logins.json").stat().st_mode & 0o077 == 0


@pytest.mark.django_db(transaction=True)  # flush truncates, as on the real database
def test_after_a_reset_the_same_logins_work_on_the_emptied_database():
    first = printed_logins(setup_demo())
    call_command("reset_demo", stdout=StringIO())
    assert not User.objects.exists() and not Channel.objects.exists()

    assert printed_logins(setup_demo()) == first
    assert authenticate(username="admin", password=first["admin"]) is not None


def test_demo_logins_prints_what_setup_demo_printed():
    first = setup_demo()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert printed_logins(out.getvalue()) == printed_logins(first)
    assert "http://127.0.0.1:8000/" in out.getvalue()
