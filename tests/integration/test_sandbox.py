"""`make run`'s setup: a demo admin whose password is printed, sandbox channels, examples."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from inbox.connectors import registry
from inbox.models import Channel
from rules.models import Rule

pytestmark = pytest.mark.django_db


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def test_setup_demo_prints_a_working_admin_login_and_connects_every_stand_in():
    output = setup_demo()

    password = re.search(r"admin login:\s+admin / (\S+)", output).group(1)
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_admin
    assert authenticate(username="anna", password=password) is not None
    kinds = set(Channel.objects.values_list("kind", flat=True))
    assert {"facebook", "instagram", "x"} <= kinds <= set(registry.kinds())
    for channel in Channel.objects.all():
        assert channel.api_base_url.startswith("http://127.0.0.1:")
    assert Rule.objects.filter(enabled=True).exists()


def test_setup_demo_twice_creates_nothing_twice():
    setup_demo()
    counts = (User.objects.count(), Channel.objects.count(), Rule.objects.count())
    output = setup_demo()

    assert (User.objects.count(), Channel.objects.count(), Rule.objects.count()) == counts
    password = re.search(r"admin / (\S+)", output).group(1)
    for username in ("admin", "anna", "jack", "maria"):
        assert authenticate(username=username, password=password) is not None, username
