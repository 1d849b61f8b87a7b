from django.apps import AppConfig


class ChannelsTWConfig(AppConfig):
    name = "channels_tw"
    verbose_name = "X channel"
