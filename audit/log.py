"""Write the configuration log: `snapshot` a model before a change, `record` after.

    before = snapshot(policy)
    form.save()
    record(actor=request.user, verb="changed", target=policy, before=before)

Values are stored as JSON-friendly text, secrets never: a field named in SECRET_FIELDS is
written as "(changed)" only.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import Entry

SECRET_FIELDS = {"password", "credentials", "token", "access_token", "refresh_token", "secret"}
SKIPPED_FIELDS = {
    "id",
    "revision",
    "hit_count",
    "last_hit_at",
    "created_at",
    "updated_at",
    "last_login",
    "date_joined",
    "cursors",
    "rate_limits",
    "poll_after",
    "last_polled_at",
}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, str | int | float | bool | list | dict) or value is None:
        return value
    return str(value)


def target_type(obj: models.Model) -> str:
    return (
        (obj._meta.model_name or "")  # None only for a model class not yet prepared
        .replace("slapolicy", "sla_policy")
        .replace("businesshours", "business_hours")
        .replace("savedreply", "saved_reply")
        .replace("apitoken", "api_token")
    )


def snapshot(obj: models.Model | None, *, extra: dict | None = None) -> dict:
    """The fields worth comparing (foreign keys by name, many-to-many as sorted names)."""
    if obj is None:
        return {}
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIPPED_FIELDS:
            continue
        if f.is_relation:
            values[f.name] = _plain(getattr(obj, f.name))
        else:
            values[f.name] = _plain(f.value_from_object(obj))
    if obj.pk:
        for f in obj._meta.many_to_many:
            values[f.name] = sorted(str(o) for o in getattr(obj, f.name).all())
    values.update(extra or {})
    return values


def diff(before: dict, after: dict) -> dict:
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        if key in SECRET_FIELDS:
            changes[key] = [None, "(changed)"]
        else:
            changes[key] = [old, new]
    return changes


def record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    target_kind: str = "",
    target_id: Any = "",
    target_name: str = "",
    changes: dict | None = None,
) -> Entry | None:
    """One row. `before`/`after` are snapshots (after defaults to the target now); a
    "changed" that changed nothing writes nothing and returns None."""
    if target is not None:
        if after is None and verb != "deleted":
            after = snapshot(target)
        target_kind = target_kind or target_type(target)
        target_id = target_id or target.pk
        target_name = target_name or str(target)
    if changes is None:
        changes = diff(before or {}, after or {})
    if verb == "changed" and not changes:
        return None
    named = actor is not None and getattr(actor, "is_authenticated", False)
    return Entry.objects.create(
        actor=actor if named else None,
        actor_name=(actor.get_username() if named else "system")[:150],
        verb=verb,
        target_type=target_kind,
        target_id=str(target_id or "")[:64],
        target_name=str(target_name)[:200],
        changes=changes,
    )
