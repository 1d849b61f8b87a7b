# Indexes for what ingest filters on, so that the cost of a new message does not grow with
# the history (checked by tests/integration/test_ingest_plans.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0010_context_state_and_routed_at'),
    ]

    operations = [
        # Linking replies that arrived before their parent: 340 ms at a million messages
        # without it (the UPDATE read every top-level message).
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('parent__isnull', True), models.Q(('parent_external_id', ''), _negated=True)), fields=['channel', 'parent_external_id'], name='msg_orphan_replies'),
        ),
        # A post's stored context, oldest first: 1.1 s at a million conversations for a post
        # seen for the first time (the planner walked the primary key), now one index probe.
        migrations.RemoveIndex(
            model_name='conversation',
            name='conv_post_group',
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(fields=['channel', 'context_external_id', 'id'], name='conv_post_group_order'),
        ),
    ]
