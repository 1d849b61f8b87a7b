from django.apps import AppConfig


class SwitchboardConfig(AppConfig):
    name = "switchboard"
    verbose_name = "Switchboard"

    def ready(self) -> None:
        from . import checks

        checks.refuse_to_start_without_secrets()
