import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inbox", "0012_contact_lookup_indexes")]

    operations = [
        migrations.AddField(
            model_name="outboundaction",
            name="reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="conversation",
            name="origin",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="continuations", to="inbox.conversation"),
        ),
        migrations.AddField(
            model_name="savedreply",
            name="handoff",
            field=models.BooleanField(
                default=False, verbose_name="public answer when continuing privately",
                help_text="Prefills the public text of “Reply publicly + continue privately” "
                          "(a short “we've sent you a message”); the first such reply by "
                          "title is used."),
        ),
    ]
