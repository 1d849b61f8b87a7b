"""Finds the stand-ins the channel apps offer for the demo.

A channel app takes part by providing `<app>/standin/demo.py` with:
  PORT                    the local port its stand-in listens on in the demo
  create_app()            the stand-in as a WSGI app
  setup_channels(url)     create (idempotently) the sandbox Channel rows pointing at `url`
  traffic_tick(app, rng)  make the stand-in produce one realistic customer item
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from django.apps import apps


@dataclass
class DemoStandin:
    app_label: str
    module: ModuleType

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.module.PORT}"


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
