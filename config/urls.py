"""URL map: the admin, the API under /api/, its schema and docs."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog_cache.responses.views import CacheStatsView

admin.site.site_url = "/api/"  # the admin's "View site" link

urlpatterns = [
    path("", RedirectView.as_view(url="/api/", permanent=False)),
    path("", include("core.observability.urls")),
    path("admin/", admin.site.urls),
    path("api/cache/stats/", CacheStatsView.as_view(), name="cache-stats"),
    path("api/", include("items.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api-auth/", include("rest_framework.urls")),
]
