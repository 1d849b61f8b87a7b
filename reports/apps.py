from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Managers' reports: first response time, response rate, volume by channel and tag."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from inbox import selectors

        from .storms import storming_condition

        # The inbox lists the conversations under a storming post as a folder of their own.
        selectors.register_folder("storming", "Storming", storming_condition)
