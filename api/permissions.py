"""The UI's roles (accounts.models.Role) for the API: agent < manager < admin."""

from rest_framework import permissions


class IsAgent(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class IsManager(IsAgent):
    message = "Managers only."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_manager


class IsAdmin(IsAgent):
    message = "Admins only."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_admin


class ReadAgentWriteManager(IsAgent):
    """Agents read (tags, saved replies); managers change them, as on the manage pages."""

    message = "Managers only."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_manager
