"""The actions a rule can take, each a small registered compile function.

Everything an agent could do by hand goes through inbox/conversations.py with the rule's
name, so it is audited and posted through the outbox exactly like an agent's action, and
the timeline says which rule did it. What a channel cannot do (hide on a platform without
hiding, a private reply where there is none) is skipped with the reason, not attempted.
"""

from __future__ import annotations

from datetime import timedelta

from inbox import conversations as ops
from inbox.connectors import Capability
from inbox.models import ActionKind, Message, Priority, SavedReply

from .destinations import UnsafeDestination, check_destination
from .notify import check_url, queue_slack, queue_webhook
from .registry import (
    CHOICES,
    INT,
    TEXT,
    Param,
    RuleError,
    Skip,
    action,
    as_bool,
)


def _name(value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{what}: give a name", field="actions")
    return value.strip()


@action("add_tag", "Add the tag", Param(TEXT, "Payment"))
def add_tag(value, **_):
    tag = _name(value, "add tag")

    def run(item, hit):
        if not ops.conversation_tag(
            conversation=item.conversation,
            name=tag,
            rule_name=hit.rule_name,
            reason=f"matched {hit.matched}",
        ):
            raise Skip(f"already tagged {tag}")
        item.changed()
        return f"tagged {tag}"

    return run


@action("remove_tag", "Remove the tag", Param(TEXT, "Waiting"))
def remove_tag(value, **_):
    tag = _name(value, "remove tag")

    def run(item, hit):
        if not ops.conversation_untag(
            conversation=item.conversation, name=tag, rule_name=hit.rule_name
        ):
            raise Skip(f"not tagged {tag}")
        item.changed()
        return f"removed tag {tag}"

    return run


@action("assign", "Assign to the agent (username)", Param(TEXT, "jack"))
def assign(value, **_):
    username = _name(value, "assign")

    def run(item, hit):
        from accounts.models import User

        agent = User.objects.filter(username__iexact=username, is_active=True).first()
        if agent is None:
            raise Skip(f"no active agent {username!r}")
        if item.conversation.assignee_id == agent.pk:
            raise Skip(f"already assigned to {agent.display_name}")
        ops.conversation_assign(
            conversation=item.conversation, assignee=agent, rule_name=hit.rule_name
        )
        return f"assigned to {agent.display_name}"

    return run


@action("assign_round_robin", "Assign round-robin within the team", Param(TEXT, "Support"))
def assign_round_robin(value, **_):
    team_name = _name(value, "round-robin")

    def run(item, hit):
        from accounts.models import Team

        from .routing import round_robin_pick

        if item.conversation.assignee_id:
            raise Skip("already assigned")
        team = Team.objects.filter(name__iexact=team_name).first()
        if team is None:
            raise Skip(f"no team {team_name!r}")
        agent = round_robin_pick(team)
        if agent is None:
            raise Skip(f"nobody in {team.name} is available under their cap")
        ops.conversation_assign(
            conversation=item.conversation, assignee=agent, team=team, rule_name=hit.rule_name
        )
        return f"assigned to {agent.display_name} ({team.name}, round-robin)"

    return run


@action(
    "set_priority",
    "Set the priority",
    Param(CHOICES, "low, normal, high, urgent", choices=lambda: Priority.choices),
)
def set_priority(value, **_):
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    if value not in Priority.values:
        raise RuleError(f"priority: one of {', '.join(Priority.values)}", field="actions")

    def run(item, hit):
        if item.conversation.priority == value:
            raise Skip(f"priority already {value}")
        ops.conversation_set_priority(
            conversation=item.conversation, priority=value, rule_name=hit.rule_name
        )
        return f"priority {value}"

    return run


@action("close", "Close the conversation")
def close(value=None, **_):
    def run(item, hit):
        ops.conversation_close(conversation=item.conversation, rule_name=hit.rule_name)
        return "closed"

    return run


@action("snooze", "Snooze for N minutes", Param(INT, "60"))
def snooze(value, **_):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RuleError("snooze: give a number of minutes", field="actions")

    def run(item, hit):
        ops.conversation_snooze(
            conversation=item.conversation,
            until=item.now + timedelta(minutes=value),
            rule_name=hit.rule_name,
        )
        return f"snoozed for {value} minutes"

    return run


@action("mark_spam", "Mark as spam")
def mark_spam(value=None, **_):
    def run(item, hit):
        ops.conversation_mark_spam(conversation=item.conversation, rule_name=hit.rule_name)
        return "marked as spam"

    return run


def _message_act(kind: str, done: str, flag: str):
    def compile_act(value=None, **_):
        def run(item, hit):
            target: Message | None = item.target
            connector = item.conversation.channel.connector
            if not connector.supports(Capability(kind)):
                raise Skip(f"{connector.label} cannot {kind}")
            if target is None:
                raise Skip(f"no customer message to {kind}")
            refusal = connector.action_refusal(kind, target)
            if refusal:
                raise Skip(refusal)
            if getattr(target, flag):
                raise Skip(f"already {done}")
            ops.message_act(message=target, kind=kind, rule_name=hit.rule_name)
            return done

        return run

    return compile_act


action("like", "Like the message")(_message_act(ActionKind.LIKE, "liked", "liked"))
action("hide", "Hide the message (where the platform allows)")(
    _message_act(ActionKind.HIDE, "hidden", "hidden")
)


def _saved_reply(value) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    raise RuleError("reply: name a saved reply (its title, shortcut or id)", field="actions")


def find_saved_reply(ref: str) -> SavedReply | None:
    replies = SavedReply.objects.all()
    if ref.isdigit():
        found = replies.filter(pk=int(ref)).first()
        if found:
            return found
    return replies.filter(title__iexact=ref).first() or replies.filter(shortcut__iexact=ref).first()


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill(body: str, conversation) -> str:
    """A saved reply's placeholders, as an agent's composer fills them."""
    contact = conversation.contact
    assignee = conversation.assignee
    values = _Blank(
        first_name=contact.first_name if contact else "",
        name=contact.name if contact else "",
        order_number=contact.order_number if contact else "",
        agent_name=assignee.display_name if assignee else "",
    )
    return body.format_map(values)


def _reply(value, *, private=False, outside_hours_only=False, **_):
    ref = _saved_reply(value)
    private = as_bool(private) if private is not None else False
    outside_only = as_bool(outside_hours_only) if outside_hours_only is not None else False

    def run(item, hit):
        conversation = item.conversation
        if outside_only and item.within_business_hours:
            raise Skip("within business hours")
        # Once per conversation: a customer gets at most one automatic answer per thread.
        if conversation.messages.filter(is_automatic=True).exists():
            raise Skip("already answered automatically once")
        if ops.reply_kind(conversation, private=private) is None:
            raise Skip(
                f"{conversation.channel.connector.label} cannot answer this "
                + ("privately" if private else "publicly")
            )
        saved = find_saved_reply(ref)
        if saved is None:
            raise Skip(f"no saved reply {ref!r}")
        text = fill(saved.body, conversation)
        ops.conversation_reply(
            conversation=conversation,
            text=text,
            private=private,
            rule_name=hit.rule_name,
            automatic=True,
            target=item.target,
        )
        return f"replied {'privately' if private else 'publicly'} with {saved.title!r}"

    return run


action(
    "reply",
    "Reply with the saved reply",
    Param(TEXT, "saved reply title"),
    options=("private", "outside_hours_only"),
)(_reply)


@action(
    "private_reply",
    "Send a private reply with the saved reply",
    Param(TEXT, "saved reply title"),
    options=("outside_hours_only",),
)
def private_reply(value, *, outside_hours_only=False, **_):
    return _reply(value, private=True, outside_hours_only=outside_hours_only)


def _summary(item, hit) -> dict:
    conversation = item.conversation
    return {
        "rule": hit.rule_name,
        "matched": hit.matched,
        "conversation": {
            "id": conversation.pk,
            "channel": conversation.channel.name,
            "platform": conversation.channel.kind,
            "kind": conversation.kind,
            "state": conversation.state,
            "priority": conversation.priority,
            "language": conversation.language,
            "intent": conversation.intent,
            "tags": sorted(item.tags),
        },
        "message": {"id": item.message.pk if item.message else None, "text": item.text},
    }


@action(
    "notify_slack",
    "Notify Slack (incoming webhook URL)",
    Param(TEXT, "https://hooks.slack.com/services/…"),
)
def notify_slack(value, **_):
    try:
        url = check_url(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise RuleError(f"Slack: {exc}", field="actions") from None

    def run(item, hit):
        conversation = item.conversation
        # Slack's mrkdwn treats <, > and & as control characters: escape customer text.
        text = item.text[:300].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        queue_slack(
            url,
            f"Rule '{hit.rule_name}' matched {hit.matched} on "
            f"{conversation.channel.name} (conversation {conversation.pk}): {text}",
        )
        return "notified Slack"

    return run


@action("webhook", "Call a webhook (POST JSON)", Param(TEXT, "https://example.com/hook"))
def call_webhook(value, **_):
    try:
        url = check_url(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise RuleError(f"webhook: {exc}", field="actions") from None

    def run(item, hit):
        queue_webhook(url, _summary(item, hit))
        return "called the webhook"

    return run


# Actions whose value is a URL the worker will POST to.
URL_ACTIONS = {"notify_slack": "Slack", "webhook": "webhook"}


def check_destinations(items) -> None:
    """What saving a rule (editor, admin, API) adds to compiling it: each URL's host
    resolves to public addresses only. Compiling does not look names up, so the engine
    never waits on DNS; the worker checks again before it posts (rules/tasks.py)."""
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict) and entry.get("type") in URL_ACTIONS:
            value = entry.get("value")
            try:
                check_destination(value if isinstance(value, str) else "")
            except UnsafeDestination as exc:
                raise RuleError(f"{URL_ACTIONS[entry['type']]}: {exc}", field="actions") from None
