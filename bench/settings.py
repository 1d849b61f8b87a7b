"""Settings for `python -m bench`: the real settings on a separate PostgreSQL database."""

import os

import dj_database_url

from switchboard.settings import *  # noqa: F403

# The tests' fixed secrets, and plain http for the test client, as the tests have them.
from tests.settings import (  # noqa: F401
    CREDENTIALS_KEYS,
    CSRF_COOKIE_SECURE,
    META_APP_SECRET,
    META_VERIFY_TOKEN,
    SECRET_KEY,
    SECURE_HSTS_SECONDS,
    SECURE_SSL_REDIRECT,
    SESSION_COOKIE_SECURE,
    X_CONSUMER_SECRET,
)

ROOT_URLCONF = "bench.urls"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench"
        ),
        conn_max_age=600,
    )
}
# The inbox's shared cache: Redis when given (as in production), else local memory, so the
# measured time is the page's own and not a cache table's.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "bench",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The end-to-end benchmark signs its webhooks with its own app secret (bench/e2e_bench.py).
META_APP_SECRET = os.environ.get("META_APP_SECRET") or META_APP_SECRET
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The worker reuses its connection (switchboard/settings.py CELERY_DB_REUSE_MAX);
# BENCH_DB_REUSE_MAX=0 measures Celery's default, a reconnect around every task.
if os.environ.get("BENCH_DB_REUSE_MAX"):
    CELERY_DB_REUSE_MAX = int(os.environ["BENCH_DB_REUSE_MAX"])
