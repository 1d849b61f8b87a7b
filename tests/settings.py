"""Test settings: the real settings plus the small Testchat platform of the foundation tests."""

from switchboard.settings import *  # noqa: F403
from switchboard.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.testchat", "tests.support.channels_toy"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins

# Fixed secrets, so tests and stand-ins sign alike; they exist only here, never in a deployment.
SECRET_KEY = "switchboard-tests-only-secret-key-0123456789-abcdefghijklmnop"
CREDENTIALS_KEYS = ["dGVzdHMtb25seS1jcmVkZW50aWFscy1rZXktMDEyMzQ="]
META_APP_SECRET = "switchboard-test-app-secret"
META_VERIFY_TOKEN = "switchboard-verify-token"
X_CONSUMER_SECRET = "switchboard-test-consumer-secret"
# The test client and the browser tests' live server speak plain http.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Tasks run inline unless a test is about queueing; those start a real worker and switch
# this off for themselves (tests/integration/test_worker.py).
from switchboard.env import env_bool  # noqa: E402

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
# A worker subprocess posting webhooks to a receiver on 127.0.0.1 (tests that run in this
# process use override_settings instead).
SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS = env_bool("SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS", False)

# Parallel test processes must not see each other's cache: a test's cache.clear() empties a
# whole Redis database, so each pytest-xdist worker gets a database of its own (2, 3, ...),
# away from database 0 that the application and the broker use.
import os  # noqa: E402
import re  # noqa: E402

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES["default"]["KEY_PREFIX"] = f"test-{_worker}"  # noqa: F405
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _number = int(re.sub(r"\D", "", _worker) or 0)
    _location = CACHES["default"]["LOCATION"].rstrip("/")  # noqa: F405
    CACHES["default"]["LOCATION"] = re.sub(  # noqa: F405
        r"(/\d+)?$", f"/{2 + _number % 14}", _location, count=1
    )
