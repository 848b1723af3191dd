"""The catalog's data: users, and the items they own.

Every rule on an item is also a database constraint, so the admin, ``loaddata`` and raw SQL
cannot store a row the API would refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Collate, Length, Lower, Trim
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from items import domain
from items.history import DatabaseRecordedHistory
from items.ids import new_item_id

# The size (kB) at which a GIN index's pending list of new entries is merged into the index.
GIN_PENDING_KB = 128


class User(AbstractUser):
    """A person who signs in: staff edit the catalog, others own the items they create."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() since the last save (Django keeps the raw one until then).
        new_password = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if new_password:
            self.revoke_api_tokens()

    def revoke_api_tokens(self) -> None:
        """End the API tokens issued to this user: a new password signs every client out."""
        # The token model is the API's (rest_framework.authtoken), reached through its relation.
        tokens = self._meta.get_field("auth_token").related_model
        tokens._default_manager.using(self._state.db).filter(user=self).delete()


class TagsAreClean(models.Func):
    """SQL ``item_tags_are_clean(tags)``: no blank, untrimmed or repeated tag (see migration)."""

    function = "item_tags_are_clean"
    output_field = models.BooleanField()


class SearchDocument(models.Func):
    """SQL ``item_search_document``: weighted French tsvector (name A, description B, tags C)."""

    function = "public.item_search_document"
    output_field = SearchVectorField()


class NameTerms(models.Func):
    """SQL ``ts_filter(document, '{a}')``: a search document's name part (its weight A)."""

    function = "pg_catalog.ts_filter"
    template = "%(function)s(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


class FoldedText(models.Func):
    """SQL ``catalog_unaccent(lower(text))``: text compared with accents and case aside."""

    function = "public.catalog_unaccent"
    output_field = models.TextField()

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(Lower(expression), **extra)


def _price(value: Any) -> Any:
    if value is None:
        return None
    try:
        return domain.parse_price(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid") from None


class PriceFormField(forms.DecimalField):
    """The admin's price input, read by the API's rule (``domain.parse_price``)."""

    def to_python(self, value: Any) -> Any:
        return None if value in self.empty_values else _price(value)


class PriceField(models.DecimalField):
    """A price column whose values are read by the API's rule, ``loaddata``'s included."""

    def to_python(self, value: Any) -> Any:
        return _price(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": PriceFormField, **kwargs})


def tags_as_text() -> models.Func:
    """The item's tags joined by spaces, for text search and ``icontains`` matching."""
    return models.Func(
        models.F("tags"),
        models.Value(" "),
        function="array_to_string",
        output_field=models.TextField(),
    )


class Item(models.Model):
    """A catalog item."""

    id = models.UUIDField(primary_key=True, default=new_item_id, editable=False)
    name = models.CharField(max_length=domain.NAME_MAX_LENGTH)
    description = models.CharField(max_length=domain.DESCRIPTION_MAX_LENGTH, blank=True, default="")
    price = PriceField(
        max_digits=domain.PRICE_MAX_DIGITS,
        decimal_places=domain.PRICE_DECIMAL_PLACES,
        validators=[MinValueValidator(domain.PRICE_MIN)],
    )
    category = models.CharField(max_length=20, choices=domain.Category.choices)
    tags = ArrayField(
        models.CharField(max_length=domain.TAG_MAX_LENGTH),
        size=domain.TAGS_MAX_COUNT,
        blank=True,
        default=list,
    )
    is_active = models.BooleanField(default=True)
    # Set in save() rather than by auto_now, so a new item's two stamps are equal.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "items.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        help_text="Owner; empty means the item belongs to the catalog.",
    )
    # Kept current by PostgreSQL itself (migrations 0005 and 0011), so update(), COPY and raw
    # SQL cannot leave it stale: recomputed on INSERT, and on UPDATE only when name, description
    # or tags change. Never serialized: a loaddata save sends NULL, which the trigger recomputes.
    search_document = SearchVectorField(editable=False, blank=True, serialize=False)
    # Versions written by the database's triggers (see items.history), read and reverted
    # through simple-history.
    history = DatabaseRecordedHistory(
        excluded_fields=["search_document"],
        history_id_field=models.BigAutoField(primary_key=True),
        no_db_index=["created_by"],  # kept lean: bulk loads write one version per item
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A category's visible items in list order: the filter is the prefix, the order
            # and its id tie-break follow, so a page (first or cursor-deep) is a short range.
            models.Index(
                fields=["category", "is_active", "created_at", "id"],
                name="item_category_created_idx",
            ),
            models.Index(
                fields=["category", "is_active", "price", "id"], name="item_category_price_idx"
            ),
            models.Index(fields=["price"], name="item_price_idx"),
            models.Index(fields=["created_at", "id"], name="item_created_id_idx"),
            # Each write adds its entries to a GIN index's pending list, which every search
            # and tag filter reads through; kept to 128 kB (the default is 4 MB) it stays a
            # few pages long (migration 0013).
            GinIndex(fields=["tags"], name="item_tags_gin", gin_pending_list_limit=GIN_PENDING_KB),
            GinIndex(
                fields=["search_document"],
                name="item_search_gin",
                gin_pending_list_limit=GIN_PENDING_KB,
            ),
            # The items holding a word in their name, which rank first for a one-word query
            # (see postgres/search.names_first).
            GinIndex(
                NameTerms("search_document"),
                name="item_search_name_gin",
                gin_pending_list_limit=GIN_PENDING_KB,
            ),
            # Search-as-you-type: name prefixes, accents and case aside (see postgres/suggestions).
            models.Index(
                Collate(FoldedText("name"), "C"),
                F("name"),
                include=["is_active", "created_by"],
                name="item_name_prefix_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=domain.PRICE_MIN), name="item_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=domain.Category.values),
                name="item_category_known",
            ),
            models.CheckConstraint(condition=models.Q(name=Trim("name")), name="item_name_trimmed"),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("name"), 1), name="item_name_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(tags__len__lte=domain.TAGS_MAX_COUNT),
                name="item_tags_count",
            ),
            models.CheckConstraint(condition=TagsAreClean("tags"), name="item_tags_clean"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalise()
        self.updated_at = self.created_at if self._state.adding else timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.normalise()
        super().clean()

    def normalise(self) -> None:
        """Trim and NFC-normalise text fields, clean the tag list."""
        self.name = domain.normalise_text(self.name or "")
        self.description = domain.normalise_text(self.description or "")
        self.tags = domain.normalise_tags(self.tags or [])
