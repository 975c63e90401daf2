from django.urls import include, path

urlpatterns = [
    path("", include("sentinel.portal.urls")),
]
