"""Contacts, tags, saved replies and channels: what the inbox's side panels and the manage
pages show, with the same roles (agents read; managers manage; admins see channels)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, pagination, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inbox import contacts, selectors
from inbox.models import Channel, Contact, Identity, OutboundAction, SavedReply, Tag
from rules import api as rules_api

from ..permissions import IsAdmin, IsAgent, ReadAgentWriteManager
from ..serializers import (
    ChannelHealthSerializer,
    ContactSerializer,
    MergeInput,
    SavedReplySerializer,
    TagSerializer,
)
from .base import ApiViewMixin


class ContactCursor(pagination.CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 100


@extend_schema(parameters=[OpenApiParameter("q", str, description="Name, email or phone.")])
class ContactViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers and their identities on each platform. Agents keep the fields up to date,
    as in the contact panel."""

    permission_classes = [IsAgent]
    serializer_class = ContactSerializer
    pagination_class = ContactCursor

    def get_queryset(self):
        qs = Contact.objects.prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("platform", "id"))
        )
        q = self.request.query_params.get("q", "").strip()[:200]
        if q and self.action == "list":
            qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q))
        return qs

    @extend_schema(request=MergeInput, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Fold another customer into this one (the same person on two platforms), as the
        contact panel's Merge does: identities, conversations and notes move here, blank
        fields are filled from the other, and the other is deleted. Audited."""
        keep = self.get_object()
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        kept = contacts.contact_merge(
            keep=keep,
            other=data.validated_data["other"],
            actor=request.user,
            conversation=data.validated_data.get("conversation"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=kept.pk)).data)


class TagViewSet(ApiViewMixin, viewsets.ModelViewSet):
    permission_classes = [ReadAgentWriteManager]
    serializer_class = TagSerializer
    queryset = Tag.objects.order_by("name")


class SavedReplyViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Agents read the saved replies they may use; managers manage all of them."""

    permission_classes = [ReadAgentWriteManager]
    serializer_class = SavedReplySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's call
            return SavedReply.objects.none()
        if self.request.user.is_manager:
            return SavedReply.objects.order_by("title")
        return selectors.saved_replies_for(self.request.user)


class ChannelViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Connected accounts and their health: status, rate-limit budgets, outbox backlog.
    Admins only, like the Channels page."""

    permission_classes = [IsAdmin]
    serializer_class = ChannelHealthSerializer
    queryset = Channel.objects.order_by("kind", "name", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        rows = selectors.channel_overview()
        context["labels"] = {row.channel.pk: row.label for row in rows}
        context["budgets"] = {row.channel.pk: row.budgets for row in rows}
        outbox: dict[int, dict[str, int]] = {}
        for entry in (
            OutboundAction.objects.filter(state__in=["queued", "sending", "held", "failed"])
            .values("channel_id", "state")
            .annotate(n=Count("id"))
            .order_by()
        ):
            outbox.setdefault(entry["channel_id"], {})[entry["state"]] = entry["n"]
        context["outbox"] = outbox
        return context

    def retrieve(self, request, *args, **kwargs):
        channel = self.get_object()
        return Response(self.get_serializer(channel).data)


class RuleViewSet(ApiViewMixin, rules_api.RuleViewSet):
    """The rules API of /rules/api/rules/ (same validation as the editor), managers only."""
