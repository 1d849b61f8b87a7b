from django.apps import AppConfig


class MetaConfig(AppConfig):
    """What Meta's products share (Graph client, webhooks, messaging windows, the Graph
    stand-in core). No connector of its own: Facebook and Instagram build on it."""

    name = "meta"
    verbose_name = "Meta Graph API (shared by Facebook and Instagram)"
