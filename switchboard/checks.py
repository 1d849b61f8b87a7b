"""Refuse to run a deployment without its secrets, and say which ones are missing.

A webhook secret that is empty or known lets anyone post forged platform events that are
stored as customer messages; a known SECRET_KEY lets anyone sign a session. So outside
DEBUG and the demo (`settings.PRODUCTION`), every secret in `settings.REQUIRED_SECRETS` must
come from the environment. Startup checks in `ready()`, which every process runs (web,
worker, beat, manage.py), and `manage.py check` reports the same as system check errors.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

WEBHOOK_SECRETS = ["META_APP_SECRET", "META_VERIFY_TOKEN", "X_CONSUMER_SECRET"]


def _is_set(name: str) -> bool:
    try:
        return bool(getattr(settings, name, None))
    except ImproperlyConfigured:  # what Django says of an empty SECRET_KEY
        return False


def missing_secrets() -> list[str]:
    return [name for name in settings.REQUIRED_SECRETS if not _is_set(name)]


def message(missing: list[str]) -> str:
    return (
        f"Switchboard will not start without {', '.join(missing)}. Set them in the "
        'environment (or NAME_FILE, the path of a file holding it); README.md, "Running in '
        'production", says how to make each. Only DEBUG=1 and the demo (make run) run '
        "without them, on secrets of their own under var/."
    )


def refuse_to_start_without_secrets() -> None:
    missing = missing_secrets()
    if settings.PRODUCTION and missing:
        raise ImproperlyConfigured(message(missing))


@checks.register(checks.Tags.security)
def check_webhook_secrets(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Webhooks whose signature cannot be checked would accept anyone's events."""
    return [
        checks.Error(
            f"{name} is not set: its webhooks cannot be verified and every "
            "delivery to them is refused.",
            hint="Set it to the value in the platform's developer console "
            '(README, "Running in production").',
            id="switchboard.E001",
        )
        for name in WEBHOOK_SECRETS
        if not _is_set(name)
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_deployment_secrets(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: every secret from the environment, none made for the demo."""
    problems: list[checks.CheckMessage] = [
        checks.Error(f"{name} is not set.", id="switchboard.E002")
        for name in missing_secrets()
        if name not in WEBHOOK_SECRETS
    ]
    problems += [
        checks.Warning(
            f"{name} was made for DEBUG or the demo and is kept in "
            "var/; a deployment sets its own.",
            id="switchboard.W001",
        )
        for name in settings.LOCAL_SECRETS_USED
    ]
    return problems
