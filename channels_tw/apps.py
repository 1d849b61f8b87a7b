from django.apps import AppConfig


class ChannelsTWConfig(AppConfig):
    name = "channels_tw"
    verbose_name = "X channel"

    def ready(self):
        from inbox.connectors import registry

        from .connector import XConnector

        registry.register(XConnector())
