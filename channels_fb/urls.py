from django.urls import path

from . import views

app_name = "channels_fb"

urlpatterns = [
    path("", views.channel_list, name="channels"),
    path("connect/", views.connect_start, name="connect"),
    path("connect/callback/", views.connect_callback, name="callback"),
    path("connect/pages/", views.connect_pick, name="pick"),
]
