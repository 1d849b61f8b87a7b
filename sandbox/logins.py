"""The demo's accounts and their passwords: made once, kept in var/demo-logins.json.

Restarting the demo (`make run` again, or after `make reset`) keeps the same logins, so a
person can come back to it; `make demo-logins` prints them. The file is the demo's own, like
var/local-secrets.json: nothing here is written in the repository.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import Role

FILENAME = "demo-logins.json"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    role: str


# The README's demo section names these.
ACCOUNTS = [
    DemoAccount("admin", "Ada", Role.ADMIN),
    DemoAccount("maria", "Maria", Role.MANAGER),
    DemoAccount("anna", "Anna", Role.AGENT),
    DemoAccount("jack", "Jack", Role.AGENT),
]


def path() -> Path:
    return Path(settings.VAR_DIR) / FILENAME


def _new_password() -> str:
    """A password Django's validators accept (length, not common, not all digits)."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


def load() -> tuple[dict[str, str], bool]:
    """{username: password}, and whether the file was made just now."""
    file = path()
    if file.exists():
        stored = json.loads(file.read_text())
        missing = [a.username for a in ACCOUNTS if a.username not in stored]
        if not missing:
            return stored, False
    else:
        stored, missing = {}, [a.username for a in ACCOUNTS]
    stored.update({name: _new_password() for name in missing})
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(stored, out, indent=1)
    return stored, True


def describe(passwords: dict[str, str], *, url: str) -> str:
    """What `make run` prints last and `make demo-logins` prints again."""
    width = max(len(a.username) for a in ACCOUNTS)
    lines = [
        f"Demo ready at {url}",
        "  logins (kept in var/demo-logins.json; `make demo-logins` shows them again):",
    ]
    for account in ACCOUNTS:
        lines.append(
            f"    {account.role:<8} {account.username:<{width}}  "
            f"{passwords.get(account.username, '?')}"
        )
    return "\n".join(lines)
