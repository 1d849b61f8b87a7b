from django.urls import path

from .views import webhooks

app_name = "inbox"

urlpatterns = [
    path("webhooks/<slug:slug>/", webhooks.webhook, name="webhook"),
]
