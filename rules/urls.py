from django.urls import include, path

from . import api, settings_views, views

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
    path("intent/<int:pk>/", views.correct_intent, name="correct_intent"),
    path("api/", include(api.router.urls)),
    path("sla/", settings_views.sla_policies, name="sla_policies"),
    path("sla/new/", settings_views.sla_policy_edit, name="sla_policy_new"),
    path("sla/<int:pk>/", settings_views.sla_policy_edit, name="sla_policy_edit"),
    path("sla/<int:pk>/delete/", settings_views.sla_policy_delete, name="sla_policy_delete"),
    path("hours/", settings_views.business_hours, name="business_hours"),
    path("hours/new/", settings_views.business_hours_edit, name="business_hours_new"),
    path("hours/<int:pk>/", settings_views.business_hours_edit, name="business_hours_edit"),
    path(
        "hours/<int:pk>/delete/", settings_views.business_hours_delete, name="business_hours_delete"
    ),
]
