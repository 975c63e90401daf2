from django.urls import path

from sentinel.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.front_page, name="front"),
    path("healthz", views.healthz, name="healthz"),
    path("launch/<str:token>", views.launch, name="launch"),
    path("demo/", views.demo_overview, name="demo_overview"),
    path("demo/klinik/<str:ydernummer>/status", views.demo_clinic_status, name="demo_status"),
]
