from django.contrib import admin

from .models import BusinessHours, Holiday, IntentCorrection, RoundRobinState, Rule, SlaPolicy


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "position",
        "enabled",
        "trigger",
        "stop_after",
        "hit_count",
        "last_hit_at",
    ]
    list_editable = ["position", "enabled"]
    list_filter = ["enabled", "trigger"]
    search_fields = ["name"]
    readonly_fields = [
        "hit_count",
        "last_hit_at",
        "revision",
        "created_by",
        "created_at",
        "updated_at",
    ]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "timezone"]
    inlines = [HolidayInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "business_hours"]
    list_filter = ["business_hours"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "enabled",
        "channel_kind",
        "conversation_kind",
        "first_response_minutes",
        "next_response_minutes",
        "business_hours",
    ]
    list_filter = ["enabled", "channel_kind", "conversation_kind"]


@admin.register(RoundRobinState)
class RoundRobinStateAdmin(admin.ModelAdmin):
    list_display = ["team", "last_user"]


@admin.register(IntentCorrection)
class IntentCorrectionAdmin(admin.ModelAdmin):
    list_display = ["intent", "predicted", "language", "conversation", "created_at"]
    list_filter = ["intent", "predicted", "language"]
    search_fields = ["text"]
    raw_id_fields = ["conversation", "message", "corrected_by"]
