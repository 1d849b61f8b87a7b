from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # drf-spectacular learns how the Bearer tokens work from this extension.
        from . import schema  # noqa: F401
