"""Personal API tokens: an agent's key for scripts and integrations, acting as that agent."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """Only a SHA-256 digest of the token is stored; the token itself is shown once.

    The tokens are 256 random bits, so a plain digest is enough (no slow hash): nobody can
    guess one, and a leaked table cannot be turned back into tokens.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to tell tokens apart."
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
