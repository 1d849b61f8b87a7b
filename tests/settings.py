"""Test settings: the real settings plus the small Testchat platform of the foundation tests."""

from switchboard.settings import *  # noqa: F403
from switchboard.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.testchat"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins

# Tasks run inline unless a test is about queueing; those start a real worker and switch
# this off for themselves (tests/integration/test_worker.py).
from switchboard.env import env_bool  # noqa: E402

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True

# Parallel test processes must not read each other's live feed in a shared Redis.
import os  # noqa: E402

CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
