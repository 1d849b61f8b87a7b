from django.apps import AppConfig


class ChannelsFBConfig(AppConfig):
    name = "channels_fb"
    verbose_name = "Facebook Page channel"
