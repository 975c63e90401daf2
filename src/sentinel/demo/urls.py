"""The demo's pages (demo mode only), mounted by ``sentinel.urls`` under ``/demo/``."""

from django.urls import path

from sentinel.demo import views

app_name = "demo"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("klinik/<str:ydernummer>/status", views.clinic_status, name="status"),
    path("klinik/<str:ydernummer>/rapporter/", views.report_index, name="report_index"),
    path(
        "klinik/<str:ydernummer>/rapporter/<slug:project>.pdf", views.report_pdf, name="report_pdf"
    ),
    path("klinik/<str:ydernummer>/rapporter/<slug:project>/", views.report_tab, name="report_tab"),
    path(
        "klinik/<str:ydernummer>/rapporter/<slug:project>/print/",
        views.report_print,
        name="report_print",
    ),
    path(
        "klinik/<str:ydernummer>/rapporter/<slug:project>/csv/<slug:table>/",
        views.report_csv,
        name="report_csv",
    ),
]
