"""Reading settings from the environment.

Every secret can also come from a file (`NAME_FILE=/run/secrets/name`), the way Docker and
Kubernetes hand secrets to a container, so they never have to sit in the environment itself.
"""

import os
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name, "")
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name, "")
    return [part.strip() for part in value.split(",") if part.strip()] if value else default
