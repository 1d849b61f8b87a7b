"""Which browser test clicks each control (see test_every_control.py for the keys)."""

REGISTRY: dict[str, str] = {}
