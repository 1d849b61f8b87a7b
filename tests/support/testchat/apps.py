import os

from django.apps import AppConfig


class TestchatConfig(AppConfig):
    """A minimal platform used by the foundation's tests, loaded only by tests/settings.py."""

    name = "tests.support.testchat"
    label = "testchat"

    def ready(self):
        from inbox.connectors import registry

        from .connector import TestchatConnector

        registry.register(TestchatConnector())
        if os.environ.get("TESTCHAT_PAUSE_ROUTING"):
            # A worker started with this stops for good half-way through routing (after
            # the rules ran, before the commit), so a test can kill it right there.
            from inbox.routing import routing_listeners

            routing_listeners.append(pause_routing)


def pause_routing(conversation, message, *, new_conversation: bool) -> None:
    import time
    from pathlib import Path

    Path(os.environ["TESTCHAT_PAUSE_ROUTING"]).write_text(str(message.pk))
    time.sleep(600)
