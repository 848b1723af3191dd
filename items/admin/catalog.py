"""The staff's editor for the catalog: list, edit, import and export, history and revert.

Edits, deletes and reverts go through the ORM (model signals report them); the bulk actions
and imports go through the repository, which reports its own changes, so every path ends in
``item_changed``. Each item's history page (simple-history) shows every version with its
field differences, and staff who may change items can revert to one.
The list stays quick on a large catalog: an unfiltered page takes PostgreSQL's row estimate
instead of counting the whole table. Its filters show their counts (``show_facets``), and its
search box offers the API's suggestions as staff type.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import JSON
from simple_history.admin import SimpleHistoryAdmin

from items import domain
from items.admin.resources import ItemResource
from items.admin.spreadsheets import SpreadsheetCSV, SpreadsheetXLSX
from items.admin.widgets import TAGS_HELP, DescriptionField, TagListField
from items.conditions import as_q, in_band
from items.models import Item, User, tags_as_text
from items.records import WRITABLE_FIELDS
from items.repository import get_item_repository


class PriceRangeFilter(admin.SimpleListFilter):
    """Filters the list by price band (the API's price facet ranges, ``domain.PRICE_BANDS``)."""

    title = "price"
    parameter_name = "price_range"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(band.key, band.label) for band in domain.PRICE_BANDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        band = next((b for b in domain.PRICE_BANDS if b.key == self.value()), None)
        return queryset if band is None else queryset.filter(as_q(in_band(band)))

    def get_facet_counts(self, pk_attname: str, filtered_qs: QuerySet) -> dict[str, Count]:
        # Django's own would count each band through a "pk IN (subquery)"; a plain condition
        # per band counts them all in the one pass over the filtered rows.
        return {
            f"{n}__c": Count(pk_attname, filter=as_q(in_band(band)))
            for n, band in enumerate(domain.PRICE_BANDS)
        }


def estimated_row_count(model: type[Model], *, using: str) -> int:
    """PostgreSQL's planner estimate of the table's rows (kept by ANALYZE); 0 when unknown."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return max(row[0], 0) if row else 0  # -1: never analysed


class EstimatedCountPaginator(Paginator):
    """Exact counts, except for an unfiltered queryset over a large table: there a full
    ``COUNT(*)`` scans every row on each page load, and the planner's estimate does instead."""

    estimate_from_rows = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet) and not rows.query.where:
            estimate = estimated_row_count(rows.model, using=rows.db)
            if estimate >= self.estimate_from_rows:
                return estimate
        return super().count


@admin.register(Item)
class ItemAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Items: list, filter, search, edit, bulk (de)activate, import, export, history."""

    resource_classes = [ItemResource]
    formats = [SpreadsheetCSV, SpreadsheetXLSX, JSON]  # no live formula in a cell
    # The search box's suggestions; import-export's change list extends this one.
    change_list_template = "admin/items/item/change_list.html"

    list_display = ("name", "category", "price", "is_active", "updated_at")
    list_filter = ("category", "is_active", PriceRangeFilter)
    # Counts beside every filter, each leaving its own filter out (one aggregate per filter);
    # the search box suggests names and words as staff type (templates/admin/items/item/).
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("name", "description")
    readonly_fields = ("id", "created_at", "updated_at")
    raw_id_fields = ("created_by",)
    list_select_related = ("created_by",)
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False  # no second COUNT(*) over the whole table per page
    actions = ("activate", "deactivate")
    fields = ("id", *WRITABLE_FIELDS, "created_by", "created_at", "updated_at")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A textarea for the 500-character description; the tags one box each, with how to
        # add one (the model's fields and the database's constraints stay as they are).
        if db_field.name == "description":
            kwargs.update(form_class=DescriptionField, widget=DescriptionField.widget)
        elif db_field.name == "tags":
            kwargs.update(form_class=TagListField, help_text=TAGS_HELP)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import adds items and changes others.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict:
        chosen = getattr(kwargs.get("form"), "cleaned_data", {}).get("format")
        formats = self.get_import_formats()
        typed = chosen not in (None, "") and formats[int(chosen)] is JSON
        return {**super().get_import_resource_kwargs(request, **kwargs), "typed_rows": typed}

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        matched, may_duplicate = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return matched, may_duplicate
        by_tag = queryset.alias(tags_text=tags_as_text()).filter(tags_text__icontains=term)
        return matched | by_tag, may_duplicate

    @admin.action(description="Activate selected items")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected items")
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active(request, queryset, False)

    def _set_active(self, request: HttpRequest, queryset: QuerySet, active: bool) -> None:
        ids = list(queryset.values_list("id", flat=True))
        changed = get_item_repository().set_active(ids=ids, is_active=active)
        state = "activated" if active else "deactivated"
        self.message_user(request, f"{changed} item(s) {state}.", messages.SUCCESS)


admin.site.register(User, UserAdmin)
