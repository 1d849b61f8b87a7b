from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Managers' reports: first response time, response rate, volume by channel and tag."""

    name = "reports"
    verbose_name = "Reports"
