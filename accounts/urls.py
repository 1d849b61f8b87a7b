from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
]
for kind in views.MANAGED:
    urlpatterns += [
        path(f"manage/{kind.replace('_', '-')}/", views.manage_list, {"kind": kind}, name=kind),
        path(f"manage/{kind.replace('_', '-')}/<int:pk>/", views.manage_edit, {"kind": kind},
             name=f"{kind}_edit"),
        path(f"manage/{kind.replace('_', '-')}/<int:pk>/delete/", views.manage_delete,
             {"kind": kind}, name=f"{kind}_delete"),
    ]
