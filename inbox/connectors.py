"""The connector interface: the only way shared code talks to a platform.

Each channel app implements one `Connector` and registers it in its `AppConfig.ready()`.
Nothing in `inbox/` or `rules/` may test a channel's name: what differs between platforms is
a method or a capability here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from .models import Channel, Conversation, InboundEvent, OutboundAction


# ---- typed errors: each carries its retry policy --------------------------------------------


class ConnectorError(Exception):
    """Base of the typed errors a connector raises."""


class RateLimited(ConnectorError):
    """The platform asked us to wait; the work is delayed until `retry_at`, never dropped."""

    def __init__(self, retry_at: datetime, detail: str = ""):
        super().__init__(detail or f"rate limited until {retry_at.isoformat()}")
        self.retry_at = retry_at


class AuthExpired(ConnectorError):
    """The token is dead: the channel needs reconnecting; its actions wait for that."""


class Rejected(ConnectorError):
    """Permanent refusal with a reason an agent can act on (window closed, DMs closed...)."""

    def __init__(self, reason: str, *, code: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Unavailable(ConnectorError):
    """Transient failure (5xx, timeout, platform hiccup): retry with backoff.

    `maybe_landed` is set when the request may have reached the platform (a timeout after
    sending), so a post must be looked for before it is tried again.
    """

    def __init__(self, detail: str = "", *, maybe_landed: bool = False):
        super().__init__(detail or "platform unavailable")
        self.maybe_landed = maybe_landed


# ---- what parse() returns ---------------------------------------------------------------------


class ItemKind(enum.StrEnum):
    COMMENT = "comment"  # top-level comment on a post or media
    REPLY = "reply"  # reply under a comment or a tweet
    POST = "post"  # a visitor post on the Page
    DM = "dm"
    MENTION = "mention"
    SEARCH_MATCH = "search"  # found by a brand-name or hashtag search


@dataclass(frozen=True)
class IdentityData:
    platform: str
    external_id: str
    name: str = ""
    handle: str = ""
    avatar_url: str = ""
    profile_url: str = ""
    follower_count: int | None = None
    verified: bool = False


@dataclass
class InboundItem:
    """One message-like thing, platform-free. The ingest upserts it by `external_id`.

    `text=None` means "not known from this event" (a removal), as opposed to empty text.
    `edited`, `deleted`, `hidden` are None when the event says nothing about them.
    `context` is what the thread answers, shown above it; the inbox reads these keys:
    `text` (the post, caption, tweet or "Their story"), `permalink` (its public page),
    `media_url` (a picture or story), `type` ("post", "media", "story"...), `created`. Others
    are kept. `context_wanted` says the context is only what the event carried: a worker
    fetches the rest later (`Connector.fetch_context`), the message is never held for it.
    `text_wanted` says the event carried no text at all (an Instagram mention names only its
    ids): the message is shown at once, and routing (classification, SLA, rules) waits for
    its text, which the same enrichment fills in.
    """

    kind: ItemKind
    external_id: str
    thread_id: str
    conversation_kind: str
    timestamp: datetime
    author: IdentityData | None = None
    text: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    parent_external_id: str = ""
    context_external_id: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    context_wanted: bool = False
    text_wanted: bool = False
    is_echo: bool = False
    outbound_ref: str = ""  # our OutboundAction id, when the platform echoes metadata
    private: bool = False
    edited: bool | None = None
    deleted: bool | None = None
    hidden: bool | None = None
    liked: bool | None = None
    permalink: str = ""
    tags: list[str] = field(default_factory=list)  # e.g. the search that found a tweet
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReceiptItem:
    """Delivery/read watermark: everything we sent in `thread_id` up to `up_to` has `status`."""

    thread_id: str
    up_to: datetime
    status: str  # "delivered" | "read"


@dataclass
class UnsupportedItem:
    """A part of an event we do not understand: kept on the event, never silently dropped."""

    description: str


ParsedItem = InboundItem | ReceiptItem | UnsupportedItem


@dataclass
class EventToStore:
    """What a webhook or poll hands to the ingest: stored raw, keyed for deduplication."""

    delivery_key: str
    payload: dict[str, Any]
    channel_external_id: str = ""
    # Why this item cannot be processed (not an object, ...): stored, poisoned, with this
    # reason (inbox/payloads.py). Values that cannot be stored are found by the ingest.
    poison: str = ""


@dataclass
class PollResult:
    """Events to store and the cursors to save with them, in one transaction.

    A poll cut short by a rate limit returns what it fetched, cursors that resume exactly
    where it stopped, and `retry_at`: the next poll of this channel waits until then.
    """

    events: list[EventToStore]
    cursors: dict[str, Any]
    rate_limits: dict[str, Any] = field(default_factory=dict)
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Responsiveness:
    """How fast the platform (or its users) expect an answer, for the reports' badge figure:
    `share` of the conversations of `kinds` answered within `within`, over `days` days."""

    within: timedelta
    kinds: frozenset[str]
    name: str  # "Very responsive badge", "X expectation"
    share: float = 0.9
    days: int = 7
    median_within: bool = True  # the median response time must be within it too


@dataclass(frozen=True)
class ComposerOption:
    """A choice the composer offers for one reply (a message tag, a template...).

    Shown as a checkbox named `name` (not one of the composer's own fields: text, mode...);
    when ticked, `{name: True}` reaches the connector in the outbound action's payload.
    Only options the connector offered for this conversation are passed back.
    """

    name: str
    label: str
    help: str = ""
    default: bool = False


class Capability(enum.StrEnum):
    REPLY = "reply"
    PRIVATE_REPLY = "private_reply"
    DM = "dm"
    LIKE = "like"
    UNLIKE = "unlike"
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"


# ---- the interface ------------------------------------------------------------------------------


class Connector:
    """What a channel app implements. Methods raise the typed errors above, never sleep."""

    # The channel's one name, e.g. "facebook": the registry key and `Channel.kind`, its
    # webhook's /webhooks/<kind>/ and the namespace of its customers' ids (`platform`; FB
    # and IG ids differ, so it is per connector).
    kind: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    # Composer limit shown live (X: 280); None means no practical limit.
    max_text_length: ClassVar[int | None] = None
    # URL name of the admin page that connects an account of this kind ("" = none here, e.g.
    # a kind connected through another connector's flow). The Channels page links to it for
    # "Connect …" and, with `?reconnect=<channel id>`, for a one-click reconnect.
    connect_url_name: ClassVar[str] = ""
    # What the reports measure this channel's responsiveness against; None: nothing.
    responsiveness: ClassVar[Responsiveness | None] = None
    # The channel's own partial on the Channels page (`<app>/channel_extras.html`, "" = none),
    # rendered with `extras` = `extras_context(channel)` and `channel`.
    extras_template: ClassVar[str] = ""

    def handle_webhook(self, request: HttpRequest) -> HttpResponse | list[EventToStore]:
        """Answer the verification handshake, or verify the signature and return the events.

        Returns an HttpResponse for handshakes and refusals (403), or the events to store.
        Once the signature is verified, nothing signed may be refused or raise: parse and
        split with `inbox.payloads.events_from_delivery`, which keeps what cannot be split.
        """
        raise NotImplementedError

    def parse(self, event: InboundEvent) -> list[ParsedItem]:
        raise NotImplementedError

    def context_ids(self, event: InboundEvent) -> list[str]:
        """The post or media ids whose stored context parsing this event will look up
        (`inbox.context.known_context`), so that a batch reads them all in one go. Best
        effort on a payload that may be anything: a wrong or missing id only costs the
        look-up it would have cost anyway."""
        return []

    def poll(self, channel: Channel) -> PollResult:
        """Fetch what webhooks miss; returns events and the cursors to store after them."""
        return PollResult(events=[], cursors=dict(channel.cursors))

    def perform(self, action: OutboundAction) -> str:
        """Do the action on the platform; return the external id of what was posted (or '')."""
        raise NotImplementedError

    def find_landed(self, action: OutboundAction) -> str | None:
        """After an ambiguous attempt: the external id if the earlier try landed, else None.

        The outbox calls this before any retry of an action that was already attempted.
        Raise `Unavailable` when it cannot tell; the outbox then waits rather than risk a
        double post.
        """
        return None

    def fetch_profile(self, channel: Channel, identity_external_id: str) -> IdentityData | None:
        return None

    def fetch_context(self, channel: Channel, conversation: Conversation) -> dict[str, Any] | None:
        """Read what the thread answers (its post, media or tweet) from the platform.

        Called by a worker for a conversation whose items said `context_wanted`, never while
        ingesting. Returns the keys to merge into `conversation.context` (the shape of
        `InboundItem.context`), or None when there is nothing to read. Raises the typed
        errors: `Rejected` when the platform will not show it (removed, not ours to read),
        `RateLimited`, `AuthExpired` and `Unavailable` to be tried again later.
        """
        return None

    def window_closes_at(self, conversation) -> datetime | None:
        """When private messaging in this conversation stops being allowed (None: no window)."""
        return None

    def action_refusal(self, kind: str, message) -> str:
        """Why `kind` (like, hide, delete...) cannot be done to this message; "" if it can.

        Capabilities say what the channel can do at all; this says what the platform allows
        on one message (X hides only replies, Messenger messages cannot be liked...). It must
        not query the database: the inbox asks it for every message it shows.
        """
        return ""

    def answers(self, conversation) -> frozenset[Capability]:
        """What this conversation can be answered with: the channel's capabilities less what
        the platform refuses here (an Instagram mention on someone else's media takes a
        public reply only). The composer offers only these; it must not query the database.
        """
        return self.capabilities

    def composer_options(self, conversation) -> list[ComposerOption]:
        """What the composer offers besides the text for a reply in this conversation.
        It must not query the database: it is asked each time the composer is shown."""
        return []

    def permalink(self, channel: Channel, external_id: str) -> str:
        return ""

    def extras_context(self, channel: Channel) -> dict[str, Any]:
        """What `extras_template` shows for this channel on the Channels page."""
        return {}

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def platform(self) -> str:
        """`Identity.platform` of this channel's customers: its kind."""
        return self.kind


class Registry:
    def __init__(self) -> None:
        self._connectors: dict[str, Connector] = {}

    def register(self, connector: Connector) -> None:
        self._connectors[connector.kind] = connector

    def get(self, kind: str) -> Connector:
        try:
            return self._connectors[kind]
        except KeyError:
            raise LookupError(f"no connector registered for channel kind {kind!r}") from None

    def all(self) -> list[Connector]:
        return list(self._connectors.values())

    def kinds(self) -> list[str]:
        return sorted(self._connectors)


registry = Registry()
