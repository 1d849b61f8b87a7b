"""Finds the stand-ins the channel apps offer for the demo.

A channel app takes part by providing `<app>/standin/demo.py` with:
  PORT                    the local port its stand-in listens on in the demo
  create_app()            the stand-in as a WSGI app
  setup_channels(url)     create (idempotently) the sandbox Channel rows pointing at `url`
  traffic_tick(app, rng)  make the stand-in produce one realistic customer item
and optionally:
  demo_settings(url)      settings (environment variables) that point the app's API and
                          OAuth consent URLs at the stand-in, e.g. META_OAUTH_DIALOG_URL
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType

from django.apps import apps


@dataclass
class DemoStandin:
    app_label: str
    module: ModuleType

    @property
    def port(self) -> int:
        # SWITCHBOARD_<APP>_STANDIN_PORT moves one, e.g. for a second demo beside the first.
        return int(
            os.environ.get(f"SWITCHBOARD_{self.app_label.upper()}_STANDIN_PORT") or self.module.PORT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def demo_standins() -> list[DemoStandin]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.standin.demo")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(config.name):
                continue
            raise
        found.append(DemoStandin(config.label, module))
    return found


def demo_settings() -> dict[str, str]:
    """Settings (as environment variables) for the demo's processes: each stand-in's optional
    `demo_settings(url)` points its platform's API and OAuth pages at itself."""
    merged: dict[str, str] = {}
    for standin in demo_standins():
        provide = getattr(standin.module, "demo_settings", None)
        if provide is not None:
            merged.update(provide(standin.url))
    return merged
