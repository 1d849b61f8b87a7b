from django.apps import AppConfig


class ChannelsIGConfig(AppConfig):
    name = "channels_ig"
    verbose_name = "Instagram channel"
