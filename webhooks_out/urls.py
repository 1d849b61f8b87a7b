from django.urls import path

from . import views

app_name = "webhooks_out"

urlpatterns = [
    path("", views.subscriptions, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/toggle/", views.toggle, name="toggle"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("deliveries/<int:pk>/redeliver/", views.redeliver, name="redeliver"),
]
