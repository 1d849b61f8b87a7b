from django.urls import path

from . import views

app_name = "kb"

urlpatterns = [
    path("help/search/", views.article_search_view, name="search"),
    path("help/<slug:slug>/", views.article_public, name="article"),
    path("settings/articles/", views.article_list, name="articles"),
    path("settings/articles/new/", views.article_edit, name="article_new"),
    path("settings/articles/<int:pk>/", views.article_edit, name="article_edit"),
    path("settings/articles/<int:pk>/delete/", views.article_delete, name="article_delete"),
]
