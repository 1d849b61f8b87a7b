"""The rules API: /rules/api/rules/ for managers (same validation as the editor)."""

from __future__ import annotations

from rest_framework import permissions, routers, serializers, viewsets

from audit.log import record, snapshot

from .actions import check_destinations
from .engine import compile_actions, compile_conditions
from .models import Rule
from .references import check_action_references, check_condition_references
from .registry import RuleError


class IsManager(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_manager)


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "enabled",
            "position",
            "stop_after",
            "trigger",
            "minutes",
            "conditions",
            "actions",
            "hit_count",
            "last_hit_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["hit_count", "last_hit_at", "created_at", "updated_at"]

    def validate_conditions(self, value):
        try:
            compile_conditions(value)
            check_condition_references(value)
        except RuleError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_actions(self, value):
        try:
            compile_actions(value)
            check_destinations(value)
            check_action_references(value)
        except RuleError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate(self, attrs):
        trigger = attrs.get("trigger", getattr(self.instance, "trigger", None))
        minutes = attrs.get("minutes", getattr(self.instance, "minutes", 0))
        if trigger == "idle" and not minutes:
            raise serializers.ValidationError({"minutes": "An idle trigger needs minutes."})
        return attrs


class RuleViewSet(viewsets.ModelViewSet):
    queryset = Rule.objects.order_by("position", "id")
    serializer_class = RuleSerializer
    permission_classes = [IsManager]

    def perform_create(self, serializer):
        rule = serializer.save(created_by=self.request.user)
        record(actor=self.request.user, verb="created", target=rule)

    def perform_update(self, serializer):
        before = snapshot(serializer.instance)
        rule = serializer.save()
        record(actor=self.request.user, verb="changed", target=rule, before=before)

    def perform_destroy(self, instance):
        record(actor=self.request.user, verb="deleted", target=instance, before=snapshot(instance))
        instance.delete()


router = routers.DefaultRouter()
router.register("rules", RuleViewSet, basename="rule")
