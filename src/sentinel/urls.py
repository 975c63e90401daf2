from django.conf import settings
from django.urls import include, path

from sentinel.api.app import api
from sentinel.console.sites import console_site

urlpatterns = [
    path("api/v1/", api.urls),
    path("console/", console_site.urls),
    path("", include("sentinel.portal.urls")),
]
if "sentinel.demo" in settings.INSTALLED_APPS:
    # The demo's pages (404 unless SENTINEL_DEMO): a tool, mounted by name, never imported.
    urlpatterns.append(path("demo/", include("sentinel.demo.urls")))

# The portal's error pages (JSON under /api/; see portal.errors).
handler403 = "sentinel.portal.errors.forbidden"
handler404 = "sentinel.portal.errors.not_found"
handler500 = "sentinel.portal.errors.server_error"
