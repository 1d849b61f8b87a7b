"""Test settings: the real settings plus the small Testchat platform of the foundation tests."""

from switchboard.settings import *  # noqa: F403
from switchboard.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.testchat"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
