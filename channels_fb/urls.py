from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "channels_fb"

urlpatterns = [
    # The Facebook list became the one Channels page.
    path("", RedirectView.as_view(pattern_name="inbox:channels", permanent=True)),
    path("connect/", views.connect_start, name="connect"),
    path("connect/callback/", views.connect_callback, name="callback"),
    path("connect/pages/", views.connect_pick, name="pick"),
]
