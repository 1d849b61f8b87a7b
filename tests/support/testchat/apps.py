from django.apps import AppConfig


class TestchatConfig(AppConfig):
    """A minimal platform used by the foundation's tests, loaded only by tests/settings.py."""

    name = "tests.support.testchat"
    label = "testchat"

    def ready(self):
        from inbox.connectors import registry

        from .connector import TestchatConnector

        registry.register(TestchatConnector())
