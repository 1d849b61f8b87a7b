"""Context as enrichment (Conversation.context_*) and durable routing (Message.routed_at).

Messages stored before this migration were routed when they were ingested: they are marked
routed here, so the routing sweep does not run the rules on the whole history again.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def mark_existing_routed(apps, schema_editor):
    Message = apps.get_model("inbox", "Message")
    Message.objects.filter(routed_at__isnull=True).update(routed_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('inbox', '0009_inboundevent_queued_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='context_attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='conversation',
            name='context_due_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='conversation',
            name='context_error',
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name='conversation',
            name='context_state',
            field=models.CharField(blank=True, choices=[('', 'Loaded, or nothing to load'), ('wanted', 'Not loaded yet'), ('withheld', 'Not shown to us')], default='', max_length=10),
        ),
        migrations.AddField(
            model_name='message',
            name='routed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing_routed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(condition=models.Q(('context_state', 'wanted')), fields=['context_due_at'], name='conv_context_wanted'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('direction', 'in'), ('routed_at__isnull', True)), fields=['created_at'], name='msg_unrouted'),
        ),
        migrations.AddConstraint(
            model_name='conversation',
            constraint=models.CheckConstraint(condition=models.Q(('context_state__in', ['', 'wanted', 'withheld'])), name='conversation_context_state_valid'),
        ),
    ]
