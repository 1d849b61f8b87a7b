from django.apps import AppConfig


class ChannelsFBConfig(AppConfig):
    name = "channels_fb"
    verbose_name = "Facebook Page channel"

    def ready(self):
        from inbox.connectors import registry

        from .connector import FacebookConnector

        registry.register(FacebookConnector())
