"""Routes of the items API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from items.api.token_endpoint import ThrottledObtainAuthToken
from items.api.views import ItemViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # no .json routes; ?format= still works
router.register("items", ItemViewSet, basename="item")

urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("", include(router.urls)),
]
