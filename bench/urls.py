from django.urls import include, path

from . import floor

urlpatterns = [
    path("bench/floor/", floor.floor_page),
    path("bench/floor/c/<int:pk>/", floor.floor_detail),
    path("bench/floor/ingest/", floor.floor_ingest),
    path("", include("switchboard.urls")),
]
