from django.urls import include, path

from sentinel.collection.api import api
from sentinel.console.sites import console_site

urlpatterns = [
    path("api/v1/", api.urls),
    path("console/", console_site.urls),
    path("", include("sentinel.portal.urls")),
    path("", include("sentinel.reports.urls")),
]
