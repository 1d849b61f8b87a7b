from django.urls import path

from . import searches, views

app_name = "channels_tw"

urlpatterns = [
    path("", views.status, name="status"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("searches/", searches.searches, name="searches"),
    path("searches/<int:pk>/", searches.searches, name="searches_of"),
    path("searches/<int:pk>/preview/", searches.preview, name="searches_preview"),
]
