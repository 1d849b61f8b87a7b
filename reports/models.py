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


class RollupDay(models.Model):
    """A past day (hour null), or a closed hour of a day not rolled up whole yet (today),
    whose report figures are kept in ReportRollup rows (reports.rollups)."""

    day = models.DateField(help_text="In the site's time zone.")
    hour = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Local, 0–23.")
    built_at = models.DateTimeField()
    # The earliest SLA due time among the day's unanswered conversations not yet due when the
    # day was built: from then on its "pending" figure is out of date, so it is built again.
    next_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two partial constraints rather than one with nulls_distinct=False: one marker
            # per day and one per hour, on SQLite too.
            models.UniqueConstraint(
                fields=["day"], condition=Q(hour__isnull=True), name="rollup_one_per_day"
            ),
            models.UniqueConstraint(
                fields=["day", "hour"],
                condition=Q(hour__isnull=False),
                name="rollup_one_per_hour",
            ),
        ]

    def __str__(self) -> str:
        return f"rollup of {self.day}" + ("" if self.hour is None else f" {self.hour:02}h")


class ReportRollup(models.Model):
    """One day's (or, with `hour`, one hour's) report figures for one channel (and team and
    assignee, when `detail`), over all its conversations (tag_id null) or over those with one
    tag. Ids, not foreign keys: a deleted team or tag leaves its figures as they were until the
    day is built again."""

    day = models.DateField()
    hour = models.PositiveSmallIntegerField(null=True, help_text="Null: the whole day.")
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    tag_id = models.BigIntegerField(null=True)
    # Per team and assignee (True), or the channel's whole day (False, team and assignee
    # null): a report filtered by neither adds up a few rows a day instead of many.
    detail = models.BooleanField(default=True)
    conversations = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    hours = models.JSONField(default=list, help_text="Conversations per hour of the day (24).")
    intents = models.JSONField(default=dict, help_text="intent -> [conversations, answered]")
    languages = models.JSONField(default=dict, help_text="language -> [conversations, answered]")
    wall = models.JSONField(default=dict, help_text="First response minutes -> conversations.")
    business = models.JSONField(default=dict, help_text="The same in business time.")
    sla_met = models.PositiveIntegerField(default=0)
    sla_missed = models.PositiveIntegerField(default=0)
    sla_pending = models.PositiveIntegerField(default=0)
    sla_without_policy = models.PositiveIntegerField(default=0)
    targets = models.JSONField(default=dict, help_text="SLA target minutes -> conversations.")
    people = models.JSONField(default=dict, help_text="Per agent id and 'team:<id>': figures.")
    tags = models.JSONField(
        default=dict, help_text="Tag id -> [conversations, answered] of the tags they carry."
    )

    class Meta:
        indexes = [models.Index(fields=["day", "detail", "tag_id"], name="rollup_day_tag")]

    def __str__(self) -> str:
        return f"rollup {self.day} {self.hour} channel {self.channel_id}"


class RollupProgress(models.Model):
    """How far the worker has looked for changes: the last message and audit event seen."""

    message_id = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rollups seen to message {self.message_id}, event {self.event_id}"
