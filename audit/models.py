"""Who changed the configuration, or who was let in or shut out, and when: old → new.

The inbox's AuditEvent explains one conversation; this log covers what shapes them all
(rules, saved replies, tags, SLA policies, business hours, X searches, channels, users,
roles and tokens). Rows are only ever added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Entry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Kept when the person is deactivated; the name is copied so a row never loses its author.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=32, help_text="created, changed, deleted, invited, ...")
    # What was touched: a short kind ("rule", "sla_policy", "user") and its id and name then.
    target_type = models.CharField(max_length=32, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_name = models.CharField(max_length=200, blank=True)
    # {field: [old, new]}; for a creation old is None, for a deletion new is None.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.verb} {self.target_type} "
            f"{self.target_name}"
        )
