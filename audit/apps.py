from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Configuration and access log"

    def ready(self):
        # Access: Django announces logins only through these signals, so listening is the
        # one way to log them without replacing the login view (which throttles logins).
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .access import logged_in, login_failed

        user_logged_in.connect(logged_in, dispatch_uid="audit_logged_in")
        user_login_failed.connect(login_failed, dispatch_uid="audit_login_failed")
