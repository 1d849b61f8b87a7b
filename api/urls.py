"""/api/v1/ (the REST API), /api/schema/ and /api/docs/ (OpenAPI), /settings/api-tokens/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from . import settings_views
from .views import conversations, directory

app_name = "api"

router = routers.DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("conversations", conversations.ConversationViewSet, basename="conversation")
router.register("messages", conversations.MessageViewSet, basename="message")
router.register("contacts", directory.ContactViewSet, basename="contact")
router.register("tags", directory.TagViewSet, basename="tag")
router.register("saved-replies", directory.SavedReplyViewSet, basename="saved-reply")
router.register("channels", directory.ChannelViewSet, basename="channel")
router.register("rules", directory.RuleViewSet, basename="rule")


def _token_authenticated(patterns):
    """API views authenticate themselves (token or session): the site's login redirect
    (LoginRequiredMiddleware) must not turn a token request into a 302 to the login page."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            _token_authenticated(pattern.url_patterns)
        else:
            pattern.callback.login_required = False
    return patterns


urlpatterns = [
    path("api/v1/", include(_token_authenticated(router.urls))),
    *_token_authenticated([
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    ]),
    # Swagger UI from drf-spectacular-sidecar's static files; the split view serves its
    # start-up script as a file too, so the page needs no inline script (CSP-friendly).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
         name="docs"),
    path("settings/api-tokens/", settings_views.tokens, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", settings_views.revoke, name="revoke"),
]
