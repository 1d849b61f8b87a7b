from django.urls import include, path

from . import floor

urlpatterns = [
    path("bench/floor/", floor.floor_page),
    path("", include("switchboard.urls")),
]
