from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("", include("api.urls")),
    path("rules/", include("rules.urls")),
    path("settings/audit/", include("audit.urls")),
    path("reports/", include("reports.urls")),
    path("manage/webhooks/", include("webhooks_out.urls")),
    path("settings/slack/", include("slack.urls")),
    path("channels/facebook/", include("channels_fb.urls")),
    path("channels/x/", include("channels_tw.urls")),
    path("", include("kb.urls")),
    path("", include("inbox.urls")),
]
