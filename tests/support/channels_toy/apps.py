from django.apps import AppConfig


class ChannelsToyConfig(AppConfig):
    """The test suite's fourth channel, in the channel shape (docs/adding-a-channel.md).

    Registered only by tests/settings.py: one line there is all it takes to add it.
    """

    name = "tests.support.channels_toy"
    label = "channels_toy"
    verbose_name = "Toy channel (tests only)"

    def ready(self):
        from inbox.connectors import registry

        from .connector import ToyConnector

        registry.register(ToyConnector())
