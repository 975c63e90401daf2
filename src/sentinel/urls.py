from django.urls import include, path

from sentinel.collection.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("sentinel.portal.urls")),
]
