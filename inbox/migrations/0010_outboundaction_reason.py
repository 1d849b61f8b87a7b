from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inbox", "0009_inboundevent_queued_at")]

    operations = [
        migrations.AddField(
            model_name="outboundaction",
            name="reason",
            field=models.CharField(blank=True, max_length=500),
        ),
    ]
