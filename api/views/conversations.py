"""Conversations and messages: the inbox's list and pane, and what an agent does there.

Every write calls the same operation as the UI (inbox/conversations.py), so the outbox,
the audit log and the live updates behave the same whoever acted.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inbox import conversations as ops
from inbox import reply_tokens, selectors
from inbox.access import get_conversation_for_agent, get_message_for_agent
from inbox.models import Conversation, ConversationKind, Message, Tag

from .. import pagination
from ..errors import Conflict
from ..permissions import IsAgent
from ..serializers import (
    ActionResultSerializer,
    AssignInput,
    ConversationDetailSerializer,
    ConversationSerializer,
    MessageActionInput,
    MessageSerializer,
    NoteInput,
    NoteSerializer,
    PriorityInput,
    ReplyInput,
    SnoozeInput,
    TagInput,
)
from .base import ApiViewMixin

LIST_PARAMETERS = [
    OpenApiParameter(
        "folder",
        str,
        enum=[key for key, _ in selectors.FOLDERS],
        description="An inbox folder; default open.",
    ),
    OpenApiParameter("tag", int, description="A tag's id."),
    OpenApiParameter("channel", int, description="A channel's id."),
    OpenApiParameter("team", int, description="A team's id."),
    OpenApiParameter("kind", str, enum=ConversationKind.values),
    OpenApiParameter("post", str, description="'<channel id>:<post id>': a post's comments."),
    OpenApiParameter("q", str, description="Search, as the inbox's search box."),
    OpenApiParameter("sort", str, enum=list(pagination.SORTS)),
    OpenApiParameter("cursor", str, description="`next` of the previous page."),
    OpenApiParameter("limit", int, description=f"At most {pagination.MAX_LIMIT}."),
]

ConversationPage = inline_serializer(
    "ConversationPage",
    {
        "results": ConversationSerializer(many=True),
        "next": serializers.CharField(allow_null=True, help_text="Cursor of the next page."),
    },
)


class ConversationViewSet(ApiViewMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()  # tells the schema the id's type; unused
    lookup_value_regex = r"\d+"

    def _conversation(self, pk):
        return get_conversation_for_agent(self.request, int(pk))

    def _state(self, conversation) -> Response:
        conversation.refresh_from_db()
        return Response(ConversationSerializer(conversation).data)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(parameters=LIST_PARAMETERS, responses=ConversationPage)
    def list(self, request):
        """The inbox's list: the same folders and filters, newest activity first."""
        params = selectors.ListParams.from_query(request.query_params)
        sort = request.query_params.get("sort", "newest")
        if sort not in pagination.SORTS:
            sort = "newest"
        limit = pagination.limit_from(request.query_params)
        qs = pagination.ordered(selectors.filtered_conversations(params, request.user), sort)
        if request.query_params.get("cursor"):
            qs = pagination.after(qs, request.query_params["cursor"], sort)
        rows = list(selectors.with_row_data(qs, request.user)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        # The inbox's rows read their tags in one query of their own (selectors.with_tags);
        # the serializer reads `tags`, so they come in one prefetch here.
        prefetch_related_objects(rows, Prefetch("tags", queryset=Tag.objects.order_by("name")))
        return Response(
            {
                "results": ConversationSerializer(rows, many=True).data,
                "next": pagination.encode(rows[-1], sort) if more else None,
            }
        )

    @extend_schema(responses=ConversationDetailSerializer)
    def retrieve(self, request, pk=None):
        """One conversation with its thread and notes."""
        conversation = self._conversation(pk)
        conversation.thread = selectors.thread_messages(conversation)
        conversation.note_list = list(conversation.notes.select_related("author"))
        return Response(ConversationDetailSerializer(conversation).data)

    @extend_schema(
        request=ReplyInput,
        responses={202: MessageSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Sending the same key again posts nothing (409).",
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Answer publicly, or privately (private reply or DM), through the outbox.

        The message is queued at once (delivery_status "queued") and posted by a worker.
        """
        conversation = self._conversation(pk)
        data = self._input(ReplyInput)
        key = self.request.headers.get("Idempotency-Key", "").strip()[:200]
        # The key is claimed in the reply's own transaction, on the database (as the
        # composer's one-time tokens are): a reply refused or rolled back frees it, and it
        # holds while the cache is down.
        with transaction.atomic():
            if key and not reply_tokens.claim_key(
                key, user=request.user, conversation=conversation
            ):
                raise Conflict(
                    "A request with this Idempotency-Key was already made.",
                    code="duplicate_request",
                )
            message = ops.conversation_reply(
                conversation=conversation,
                text=data["text"],
                private=data["private"],
                close=data["close"],
                actor=request.user,
            )
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=NoteInput, responses={201: NoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """Leave an internal note (never sent to the customer)."""
        conversation = self._conversation(pk)
        note = ops.note_add(
            conversation=conversation, text=self._input(NoteInput)["text"], actor=request.user
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInput, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        conversation = self._conversation(pk)
        data = self._input(AssignInput)
        ops.conversation_assign(
            conversation=conversation,
            assignee=data["assignee"],
            team=data.get("team"),
            actor=request.user,
        )
        return self._state(conversation)

    @extend_schema(request=TagInput, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def tags(self, request, pk=None):
        """Add a tag by name (created on first use)."""
        conversation = self._conversation(pk)
        ops.conversation_tag(
            conversation=conversation, name=self._input(TagInput)["name"], actor=request.user
        )
        return self._state(conversation)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["delete"], url_path=r"tags/(?P<name>[^/]+)")
    def untag(self, request, pk=None, name=""):
        conversation = self._conversation(pk)
        ops.conversation_untag(conversation=conversation, name=name, actor=request.user)
        return self._state(conversation)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        conversation = self._conversation(pk)
        ops.conversation_close(conversation=conversation, actor=request.user)
        return self._state(conversation)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        conversation = self._conversation(pk)
        ops.conversation_reopen(conversation=conversation, actor=request.user)
        return self._state(conversation)

    @extend_schema(request=SnoozeInput, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        conversation = self._conversation(pk)
        ops.conversation_snooze(
            conversation=conversation, until=self._input(SnoozeInput)["until"], actor=request.user
        )
        return self._state(conversation)

    @extend_schema(request=PriorityInput, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        conversation = self._conversation(pk)
        ops.conversation_set_priority(
            conversation=conversation,
            priority=self._input(PriorityInput)["priority"],
            actor=request.user,
        )
        return self._state(conversation)


class MessageViewSet(ApiViewMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    serializer_class = MessageSerializer
    queryset = Message.objects.none()  # tells the schema the id's type; unused
    lookup_value_regex = r"\d+"

    @extend_schema(responses=MessageSerializer)
    def retrieve(self, request, pk=None):
        return Response(MessageSerializer(get_message_for_agent(request, int(pk))).data)

    @extend_schema(request=MessageActionInput, responses={202: ActionResultSerializer})
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        """Like, unlike, hide, unhide or delete the message on the platform (outbox)."""
        message = get_message_for_agent(request, int(pk))
        serializer = MessageActionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        act = ops.message_act(
            message=message, kind=serializer.validated_data["kind"], actor=request.user
        )
        return Response(
            {"id": act.pk, "kind": act.kind, "state": act.state}, status=status.HTTP_202_ACCEPTED
        )
