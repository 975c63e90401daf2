"""The report pages under the demo's URLs (demo mode only; the portal mounts the same pages
behind its login)."""

from django.urls import path

from sentinel.reports import pages

app_name = "reports"
urlpatterns = [
    path("demo/klinik/<str:ydernummer>/rapporter/", pages.demo_index, name="demo_index"),
    path("demo/klinik/<str:ydernummer>/rapporter/<slug:project>/", pages.demo_tab, name="demo_tab"),
    path(
        "demo/klinik/<str:ydernummer>/rapporter/<slug:project>/print/",
        pages.demo_print,
        name="demo_print",
    ),
    path(
        "demo/klinik/<str:ydernummer>/rapporter/<slug:project>/csv/<slug:table>/",
        pages.demo_csv,
        name="demo_csv",
    ),
]
