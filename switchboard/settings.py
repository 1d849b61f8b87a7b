"""Settings, all from the environment.

With nothing set, Switchboard runs on one machine with no other service: SQLite for the
database, and Celery with a broker kept in files under `var/` — the same tasks, workers and
beat as in production, not a special code path. `DATABASE_URL` and `REDIS_URL` switch to
PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SWITCHBOARD_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The fallback only serves the demo and the tests; docker-compose.yml requires a real one.
SECRET_KEY = env_str("SECRET_KEY") or "insecure-demo-key-set-SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_htmx",
    "template_partials",
    "accounts",
    "inbox",
    "rules",
    "reports",
    "channels_fb",
    "channels_ig",
    "channels_tw",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the inbox's CSS and scripts, and htmx itself) from every web process,
    # with or without DEBUG: the demo's runserver and gunicorn in docker-compose alike.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "switchboard.urls"
# Meta batches up to 1000 changes in one webhook POST; refusing a big one (Django's 2.5 MB
# default) would make the platform retry it until it gives up, and the items would be lost.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)
WSGI_APPLICATION = "switchboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Workers, beat and web share one SQLite file: wait for each other's locks instead of
    # failing with "database is locked", and let readers proceed during writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    # Presence and live updates must be seen by every web process, so not local memory.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "switchboard_cache"}}

# Celery. Without Redis the broker is a folder: real queues shared by web, worker and beat.
BROKER_DIR = Path(env_str("SWITCHBOARD_BROKER_DIR", str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A web request that cannot reach the broker must not hang: the event is already stored and
# the sweep will queue it later (DESIGN.md, rule 1).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-inbound": {"task": "inbox.tasks.sweep", "schedule": timedelta(seconds=30)},
    "wake-snoozed": {"task": "inbox.tasks.wake_snoozed", "schedule": timedelta(seconds=60)},
    "poll-channels": {"task": "inbox.tasks.poll_due_channels",
                      "schedule": timedelta(seconds=env_int("POLL_TICK_SECONDS", 15))},
    "detect-storms": {"task": "reports.tasks.detect_storms", "schedule": timedelta(seconds=60)},
    "weekly-summary": {"task": "reports.tasks.send_weekly_summary",
                       "schedule": crontab(day_of_week="mon", hour=7, minute=0)},
}

# Secrets and platform settings.
CREDENTIALS_KEYS = env_list("CREDENTIALS_KEYS", [])  # Fernet keys, newest first
META_APP_ID = env_str("META_APP_ID", "switchboard-dev-app")
META_APP_SECRET = env_str("META_APP_SECRET", "switchboard-test-app-secret")
META_VERIFY_TOKEN = env_str("META_VERIFY_TOKEN", "switchboard-verify-token")
META_GRAPH_BASE = env_str("META_GRAPH_BASE", "https://graph.facebook.com/v24.0")
META_HUMAN_AGENT_ENABLED = env_bool("META_HUMAN_AGENT_ENABLED", False)
X_API_BASE = env_str("X_API_BASE", "https://api.x.com")
X_CLIENT_ID = env_str("X_CLIENT_ID", "switchboard-dev-client")
X_CLIENT_SECRET = env_str("X_CLIENT_SECRET", "")
X_CONSUMER_SECRET = env_str("X_CONSUMER_SECRET", "switchboard-test-consumer-secret")
HTTP_TIMEOUT_SECONDS = float(env_str("HTTP_TIMEOUT_SECONDS", "10"))
# The sweep leaves freshly stored events to the normal path for this long.
SWEEP_GRACE_SECONDS = env_int("SWEEP_GRACE_SECONDS", 10)
SWITCHBOARD_DEMO = env_bool("SWITCHBOARD_DEMO", False)
# Where a storm on a post is announced, once per storm (reports.storms); empty: nowhere.
STORM_SLACK_URL = env_str("STORM_SLACK_URL", "")
STORM_WEBHOOK_URL = env_str("STORM_WEBHOOK_URL", "")
# The managers' weekly summary e-mail: its link to the report, its sender and the backend
# (the console unless configured, so the demo prints it).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "switchboard@localhost")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one before collectstatic
# Deployments run collectstatic (docker-compose.yml does); the demo and development serve
# straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG or SWITCHBOARD_DEMO

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
