from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The demo: sandbox channels wired to each channel app's local stand-in, with traffic."""

    name = "sandbox"
    verbose_name = "Demo sandbox"
