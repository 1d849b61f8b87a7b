from django.db import models
from django.db.models import Q


class Storm(models.Model):
    """A post (or X thread) drawing comments far faster than usual, or suddenly angry.

    Opened by reports.storms.detect, kept while it lasts, ended after a quiet spell; one open
    storm per post at most (the constraint), so it is announced once.
    """

    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="storms")
    context_external_id = models.CharField(max_length=200)
    reason = models.CharField(max_length=200, help_text="What set it off, for people.")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    peak_comments = models.PositiveIntegerField(default=0, help_text="Most comments in one window.")
    usual_comments = models.FloatField(default=0, help_text="Usual comments per window.")
    angry_share = models.FloatField(default=0, help_text="Complaints and insults, latest window.")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "context_external_id"],
                condition=Q(ended_at__isnull=True),
                name="storm_one_open_per_post",
            ),
        ]
        indexes = [
            # The inbox and the rules ask "is this post storming?" of the few open storms.
            models.Index(
                fields=["channel", "context_external_id"],
                name="storm_open",
                condition=Q(ended_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"storm on {self.context_external_id} since {self.started_at:%H:%M}"

    @property
    def post_key(self) -> str:
        return f"{self.channel_id}:{self.context_external_id}"
