from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="report"),
    path("export.csv", views.report_csv, name="csv"),
    path("export/<slug:slug>.csv", views.table_csv, name="table_csv"),
]
