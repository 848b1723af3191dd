"""The item form's fields as staff use them: a textarea for the description, a box per tag.

The tags are shown one by one, with an empty box to add one. The model keeps its
``ArrayField`` and the database its constraints; only the form changes. A box may still hold
several tags separated by commas (as the browsable API's form, query strings and spreadsheet
cells take them), and an empty box is no tag. Without JavaScript the form always offers one
empty box; with it, *Add another tag* offers more.

A browser sends a textarea's line breaks as CR LF (HTML's form encoding); the description
keeps them as typed, LF, as the API stores what it is sent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.contrib.postgres.forms import SimpleArrayField

from items import domain

TAGS_HELP = (
    f"One tag per box. To add a tag, type it in the empty box (Add another tag gives one more "
    f"box); to remove one, empty its box. At most {domain.TAGS_MAX_COUNT} tags of "
    f"{domain.TAG_MAX_LENGTH} characters."
)


class DescriptionField(forms.CharField):
    """The description in a textarea, its line breaks as typed (LF, not the form's CR LF)."""

    widget = AdminTextareaWidget(attrs={"rows": 5})

    def to_python(self, value: Any) -> str:
        return super().to_python(value).replace("\r\n", "\n")


class TagListWidget(forms.Widget):
    """A text box per tag, then an empty one for a new tag."""

    template_name = "admin/items/widgets/tag_list.html"

    class Media:
        css = {"all": ["items/admin/tags.css"]}
        js = ["items/admin/tags.js"]

    def format_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        return [str(tag) for tag in value] if isinstance(value, list | tuple) else [str(value)]

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["tags"] = self.format_value(value)
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        boxes = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return [tag for box in boxes for tag in box.split(",") if tag.strip()]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


class TagListField(SimpleArrayField):
    """``SimpleArrayField`` fed a list by ``TagListWidget`` (not one comma-separated text)."""

    widget = TagListWidget

    def prepare_value(self, value: Any) -> Any:
        return list(value) if isinstance(value, list | tuple) else value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # ``max_length`` counts the tags, not a box's characters; and a box may hold several
        # tags, so a tag too long is refused by the form, naming it, not cut by the browser.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
