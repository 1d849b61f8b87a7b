from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import AdminLoginForm
from .models import RolePermissions, Team, User

admin.site.login_form = AdminLoginForm  # the admin's sign-in is throttled like the app's


@admin.register(User)
class AgentAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_available"]
    list_filter = ["role", "is_available", "is_active"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Switchboard",
            {"fields": ["role", "signature", "is_available", "max_open_conversations"]},
        ),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (("Switchboard", {"fields": ["role"]}),)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone"]
    filter_horizontal = ["members"]


@admin.register(RolePermissions)
class RolePermissionsAdmin(admin.ModelAdmin):
    list_display = ["role", "may_delete_platform_items"]
