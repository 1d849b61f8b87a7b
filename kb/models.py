"""Help articles: written by managers, linked from replies, readable by anyone once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=120, unique=True, help_text="The public address: /help/<slug>/."
    )
    body = models.TextField(help_text="Markdown. Scripts and unsafe links are removed.")
    tags = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated words agents may search by."
    )
    language = models.CharField(max_length=16, default="en", help_text="A language code: en, de, …")
    published = models.BooleanField(
        default=False, help_text="Only published articles are public and offered in replies."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:article", args=[self.slug])

    def public_url(self) -> str:
        """The address customers are sent: on the site's public host (SITE_URL), not on
        whichever host the agent happens to use."""
        return settings.SITE_URL.rstrip("/") + self.get_absolute_url()

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]
