from django.apps import AppConfig


class ChannelsIGConfig(AppConfig):
    name = "channels_ig"
    verbose_name = "Instagram channel"

    def ready(self):
        from inbox.connectors import registry

        from .connector import InstagramConnector

        registry.register(InstagramConnector())
