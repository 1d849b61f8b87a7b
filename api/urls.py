"""/api/v1/ (the REST API), /api/schema/ and /api/docs/ (OpenAPI), /settings/api-tokens/."""

from django.contrib.auth.decorators import login_required
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


urlpatterns = [
    # DRF views authenticate themselves (token or session): LoginRequiredMiddleware lets
    # them through (DRF marks them login_required = False) and they answer 401 as JSON.
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files; the split view serves its
    # start-up script as a file too, so the page needs no inline script (CSP-friendly).
    # A page for people: without a session, the login page rather than a bare 401.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("settings/api-tokens/", settings_views.tokens, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", settings_views.revoke, name="revoke"),
]
