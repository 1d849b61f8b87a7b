"""What a person's role lets them do: the role checks every view starts with, and whether
they may take a destructive platform action, as their role's row says."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Role, RolePermissions, User


def require_agent(request: HttpRequest) -> User:
    """The logged-in, active person making the request, or 403."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    return user


def require_manager(request: HttpRequest) -> None:
    if not require_agent(request).is_manager:
        raise PermissionDenied("managers only")


def require_admin(request: HttpRequest, why: str = "Only admins may do this.") -> None:
    """Admins only: connecting channels, the Channels page, people and the audit log.
    `why` is shown on the 403 page."""
    if not require_agent(request).is_admin:
        raise PermissionDenied(why)


# Message actions that cannot be undone on the platform; the rest (hide, like) can.
DESTRUCTIVE_ACTIONS = {"delete"}


def may_delete_platform_items(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    row = RolePermissions.objects.filter(role=user.role).first()
    return True if row is None else row.may_delete_platform_items


def may_take(user, kind: str) -> bool:
    return kind not in DESTRUCTIVE_ACTIONS or may_delete_platform_items(user)


def role_rows() -> list[RolePermissions]:
    """One row per role that is configurable (agents and managers), unsaved if missing."""
    stored = {row.role: row for row in RolePermissions.objects.all()}
    return [stored.get(role) or RolePermissions(role=role) for role in (Role.AGENT, Role.MANAGER)]
