from django.urls import path
from django.views.generic import RedirectView

from . import searches, views

app_name = "channels_tw"

urlpatterns = [
    # The X status page became X's part of the one Channels page.
    path("", RedirectView.as_view(pattern_name="inbox:channels", permanent=True)),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("searches/", searches.searches, name="searches"),
    path("searches/<int:pk>/", searches.searches, name="searches_of"),
    path("searches/<int:pk>/preview/", searches.preview, name="searches_preview"),
]
