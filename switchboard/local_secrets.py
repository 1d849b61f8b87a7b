"""Secrets for DEBUG and the demo: made once per machine and kept under var/.

Nothing here is written in the repository, so a copy of the code holds no key that signs
sessions or passes webhook signatures anywhere. A deployment never uses this: it sets every
secret itself (README, "Running in production") and refuses to start without them
(switchboard/checks.py).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

FILENAME = "local-secrets.json"
# The fixed key the demo used before it made its own. A demo database made then holds
# channel credentials encrypted with a key derived from it, so such a var/ keeps using it.
LEGACY_DEMO_SECRET_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"  # noqa: S105


def _fresh(var_dir: Path) -> dict[str, str]:
    made_before = (var_dir / "switchboard.sqlite3").exists()
    return {
        "SECRET_KEY": LEGACY_DEMO_SECRET_KEY if made_before else secrets.token_urlsafe(50),
        "META_APP_SECRET": secrets.token_hex(16),
        "META_VERIFY_TOKEN": secrets.token_urlsafe(24),
        "X_CONSUMER_SECRET": secrets.token_urlsafe(32),
    }


def load(var_dir: Path) -> dict[str, str]:
    """The secrets kept in `var_dir`, made on first use.

    Web, worker, beat and the stand-ins start at once and all read this: the first writer
    wins (a hard link fails when the file exists), the others read what it wrote.
    """
    path = var_dir / FILENAME
    if not path.exists():
        tmp = var_dir / f".{FILENAME}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(_fresh(var_dir), out)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return json.loads(path.read_text())
