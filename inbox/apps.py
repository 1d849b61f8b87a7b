from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """Without Redis, presence and live updates live in the database cache: plain `migrate`
    creates its table (only where CACHES uses the database backend; a no-op once it exists)."""
    call_command("createcachetable", database=using, verbosity=0)


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"

    def ready(self):
        from accounts.views import register_managed

        from .models import SavedReply, Tag
        from .settings_forms import SavedReplyForm, TagForm

        # Managers edit what the inbox owns in the settings section (URLs accounts:<kind>).
        register_managed("saved_replies", SavedReply, SavedReplyForm, "Saved replies")
        register_managed("tags", Tag, TagForm, "Tags")
        post_migrate.connect(
            create_cache_table, sender=self, dispatch_uid="inbox.create_cache_table"
        )
