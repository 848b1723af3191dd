"""``GET /api/cache/stats/``: cache statistics for staff."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_cache.responses.stats import cache_stats

CacheStatsSerializer = inline_serializer(
    "CacheStats",
    {
        "available": serializers.BooleanField(),
        "hits": serializers.IntegerField(),
        "misses": serializers.IntegerField(),
        "hit_ratio": serializers.FloatField(),
        "keys": serializers.IntegerField(),
        "memory_bytes": serializers.IntegerField(),
        "memory_human": serializers.CharField(),
        "redis_failures": serializers.IntegerField(),
    },
)


class CacheStatsView(APIView):
    """Hits, misses, hit ratio, key count and memory of the response cache (staff only)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=CacheStatsSerializer, summary="Cache statistics")
    def get(self, request: Request) -> Response:
        return Response(cache_stats())
