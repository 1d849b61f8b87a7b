"""Settings, all from the environment.

With nothing set, Switchboard runs on one machine with no other service: SQLite for the
database, and Celery with a broker kept in files under `var/` — the same tasks, workers and
beat as in production, not a special code path. `DATABASE_URL` and `REDIS_URL` switch to
PostgreSQL and Redis.

Outside DEBUG and the demo it is a deployment: no secret has a default, every process refuses
to start without them, and https is required (README, "Running in production").
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from kombu import Exchange, Queue

from . import local_secrets
from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SWITCHBOARD_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SWITCHBOARD_DEMO = env_bool("SWITCHBOARD_DEMO", False)  # `make run` sets it
# A deployment unless DEBUG or the demo: every secret must then come from the environment
# (the app refuses to start otherwise: switchboard/checks.py) and transport security is on.
PRODUCTION = not (DEBUG or SWITCHBOARD_DEMO)

# Secrets have no default written in the repository. DEBUG and the demo use ones made once
# for this machine under var/ (switchboard/local_secrets.py); the tests set their own.
REQUIRED_SECRETS = [
    "SECRET_KEY",
    "CREDENTIALS_KEYS",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "X_CONSUMER_SECRET",
]
_local_secrets = {} if PRODUCTION else local_secrets.load(VAR_DIR)
LOCAL_SECRETS_USED = [name for name in _local_secrets if not env_str(name)]


def _secret(name: str) -> str:
    return env_str(name) or _local_secrets.get(name, "")


SECRET_KEY = _secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "switchboard",  # refuses to start without the secrets (checks.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "accounts",
    "inbox",
    "rules",
    "reports",
    "meta",
    "channels_fb",
    "channels_ig",
    "channels_tw",
    "sandbox",
    "audit",
    "api",
    "webhooks_out",
    "slack",
    "kb",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "switchboard.middleware.VaryOnHtmxMiddleware",
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
# Checked wherever a password is chosen: the admin, `createsuperuser`, `changepassword`.
# Ten characters at least, so a name and four digits ("anna1234") is refused.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Wrong passwords allowed per username and per client address in the window, before sign-in
# is refused for the rest of it (accounts/throttle.py).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Behind a proxy, the header it appends the client's address to (X-Forwarded-For).
LOGIN_CLIENT_IP_HEADER = env_str("LOGIN_CLIENT_IP_HEADER")

# Transport security: on by default in a deployment, off for DEBUG and the demo (plain http
# on 127.0.0.1). Each can be set from the environment, e.g. behind a proxy that terminates
# TLS and already redirects: SECURE_SSL_REDIRECT=0 SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
# Both on, as `check --deploy` asks; a domain with subdomains still on plain http sets them
# to 0 (README, "Running in production").
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
# The header a TLS-terminating proxy sets, by name (X-Forwarded-Proto); it must be one the
# proxy always overwrites, or a client could claim https itself.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
)
# Everything the pages use comes from this origin (htmx included, from django_htmx); the
# only inline code is style attributes (tag colours, report bars), so no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Presence and live updates must be seen by every web process, so not local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "switchboard_cache",
        }
    }

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
# Beat's upkeep (sweep, snoozes, polls, SLA tick) has a queue of its own, "<default>.upkeep",
# so it never waits behind an ingest backlog (switchboard/celery.py route_upkeep). A plain
# `celery worker` consumes both queues.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, f"{CELERY_TASK_DEFAULT_QUEUE}.upkeep")
]
CELERY_TASK_ROUTES = ["switchboard.celery.route_upkeep"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A web request that cannot reach the broker must not hang: the event is already stored and
# the sweep will queue it later (docs/architecture.md, "store first").
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Celery's Django fixup closes the database connection before and after every task unless
# this is set: a reconnect per event. With it set, the worker keeps its connection and
# Django's own rules (CONN_MAX_AGE, a connection left broken by an error) decide when to
# close it (switchboard/celery.py, close_old_connections after each task).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1_000_000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-inbound": {"task": "inbox.tasks.sweep", "schedule": timedelta(seconds=30)},
    "wake-snoozed": {"task": "inbox.tasks.wake_snoozed", "schedule": timedelta(seconds=60)},
    "poll-channels": {
        "task": "inbox.tasks.poll_due_channels",
        "schedule": timedelta(seconds=env_int("POLL_TICK_SECONDS", 15)),
    },
    "detect-storms": {"task": "reports.tasks.detect_storms", "schedule": timedelta(seconds=60)},
    "refresh-report-rollups": {
        "task": "reports.tasks.refresh_rollups",
        "schedule": timedelta(seconds=60),
    },
    "weekly-summary": {
        "task": "reports.tasks.send_weekly_summary",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
}

# Secrets and platform settings.
# Fernet keys, newest first. DEBUG and the demo may leave it empty: inbox/crypto.py then
# derives one from SECRET_KEY.
CREDENTIALS_KEYS = env_list("CREDENTIALS_KEYS", [])
META_APP_ID = env_str("META_APP_ID", "switchboard-dev-app")
META_APP_SECRET = _secret("META_APP_SECRET")
META_VERIFY_TOKEN = _secret("META_VERIFY_TOKEN")
META_GRAPH_BASE = env_str("META_GRAPH_BASE", "https://graph.facebook.com/v24.0")
# Where Connect and Reconnect send the admin to consent: the platforms' own pages in
# production; the demo points them (and the API bases) at its stand-ins (sandbox/).
META_OAUTH_DIALOG_URL = env_str(
    "META_OAUTH_DIALOG_URL", "https://www.facebook.com/v24.0/dialog/oauth"
)
META_HUMAN_AGENT_ENABLED = env_bool("META_HUMAN_AGENT_ENABLED", False)
X_API_BASE = env_str("X_API_BASE", "https://api.x.com")
# Empty: x.com's page for X's own API hosts, `<api base>/i/oauth2/authorize` for a stand-in.
X_AUTHORIZE_URL = env_str("X_AUTHORIZE_URL", "")
X_CLIENT_ID = env_str("X_CLIENT_ID", "switchboard-dev-client")
X_CLIENT_SECRET = env_str("X_CLIENT_SECRET", "")
X_CONSUMER_SECRET = _secret("X_CONSUMER_SECRET")
HTTP_TIMEOUT_SECONDS = float(env_str("HTTP_TIMEOUT_SECONDS", "10"))
# The sweep leaves freshly stored events to the normal path for this long.
SWEEP_GRACE_SECONDS = env_int("SWEEP_GRACE_SECONDS", 10)
# How many fresh events of a channel one worker task takes and processes together
# (inbox/ingest.py process_batch): one claim, one transaction, one routing pass for them.
INGEST_BATCH_SIZE = env_int("INGEST_BATCH_SIZE", 50)
# Invitations and password resets; the demo prints them, links included, on the console.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if SWITCHBOARD_DEMO
    else "django.core.mail.backends.smtp.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "switchboard@localhost")
# Where a storm on a post is announced, once per storm (reports.storms); empty: nowhere.
STORM_SLACK_URL = env_str("STORM_SLACK_URL", "")
STORM_WEBHOOK_URL = env_str("STORM_WEBHOOK_URL", "")
# Slack's Web API, for a connection with a bot token; the Slack stand-in's URL offline.
SLACK_API_URL = env_str("SLACK_API_URL", "https://slack.com/api")
# Links in e-mails (the managers' weekly summary) point here.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The ?? picker also searches a Help Scout Docs site when a key is set (kb.helpscout).
HELPSCOUT_DOCS_API_KEY = env_str("HELPSCOUT_DOCS_API_KEY", "")
HELPSCOUT_DOCS_API_URL = env_str("HELPSCOUT_DOCS_API_URL", "https://docsapi.helpscout.net")
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
    # Tokens for scripts (api/), the session for the app's own pages (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Requests per token (or per session user) on /api/v1/ (api/throttling.py).
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_RATE_LIMIT", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "The unified social inbox: conversations, replies through the outbox, "
    "contacts, tags, saved replies, rules and channels. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its UI for signed-in agents and token holders, not the whole internet.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["api.schema.only_v1"],
    # Swagger UI's files come from drf-spectacular-sidecar, served by WhiteNoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ConversationKindEnum": "inbox.models.ConversationKind",
        "MessageActionEnum": "api.serializers.MESSAGE_ACTIONS",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
