from django.urls import include, path

from . import api, views

app_name = "rules"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_new, name="new"),
    path("preview/", views.rule_preview, name="preview"),
    path("try/", views.rule_try, name="try"),
    path("<int:pk>/", views.rule_edit, name="edit"),
    path("<int:pk>/toggle/", views.rule_toggle, name="toggle"),
    path("<int:pk>/move/<str:direction>/", views.rule_move, name="move"),
    path("<int:pk>/delete/", views.rule_delete, name="delete"),
    path("<int:pk>/reset-hits/", views.rule_reset_hits, name="reset_hits"),
    path("api/", include(api.router.urls)),
]
