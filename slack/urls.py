from django.urls import path

from . import views

app_name = "slack"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("test/", views.send_test, name="test"),
]
