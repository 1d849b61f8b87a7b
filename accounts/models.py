from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A person who works the inbox; everyone has a personal login."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    signature = models.TextField(blank=True, help_text="Appended to replies when chosen.")
    is_available = models.BooleanField(
        default=True, help_text="Round-robin assignment only picks available agents."
    )
    max_open_conversations = models.PositiveIntegerField(
        default=50, help_text="Round-robin skips an agent holding this many open conversations."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN) or self.is_superuser

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    timezone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RolePermissions(models.Model):
    """What a role may do beyond working conversations; a role without a row may do all.

    Admins always may: they set these, and must not lock themselves out.
    """

    role = models.CharField(max_length=16, choices=Role.choices, unique=True)
    may_delete_platform_items = models.BooleanField(
        default=True,
        help_text="Delete customers' comments and messages on the platform (it cannot be undone).",
    )

    class Meta:
        verbose_name_plural = "role permissions"

    def __str__(self) -> str:
        return self.get_role_display()
