from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import people, views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("settings/people/", people.people, name="people"),
    path("settings/people/<int:pk>/", people.person_edit, name="person_edit"),
    path("settings/people/<int:pk>/active/", people.person_active, name="person_active"),
    path(
        "settings/people/<int:pk>/deactivate/",
        people.person_deactivate,
        name="person_deactivate",
    ),
    path("settings/people/<int:pk>/reinvite/", people.person_reinvite, name="person_reinvite"),
    path("settings/roles/", people.roles, name="roles"),
    path("invite/<str:uidb64>/<str:token>/", people.invite_accept, name="invite_accept"),
    # Django's password reset, in our layout; the auth views need no login (Django 5.1+).
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
for kind in views.MANAGED:
    urlpatterns += [
        path(f"manage/{kind.replace('_', '-')}/", views.manage_list, {"kind": kind}, name=kind),
        path(
            f"manage/{kind.replace('_', '-')}/<int:pk>/",
            views.manage_edit,
            {"kind": kind},
            name=f"{kind}_edit",
        ),
        path(
            f"manage/{kind.replace('_', '-')}/<int:pk>/delete/",
            views.manage_delete,
            {"kind": kind},
            name=f"{kind}_delete",
        ),
    ]
