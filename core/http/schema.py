"""OpenAPI post-processing: one honest shape for 400 responses.

drf-standardized-errors documents a 400 per endpoint as a ``oneOf`` over fields, keyed by
``attr`` with enumerated codes. Real errors carry attrs such as ``tags.3`` and codes from
validators (``null_characters_not_allowed``, ``authorization``) that enumeration misses, so
responses broke their own schema. Here every 400 is documented as what it is: a list of
``{code, detail, attr}`` errors, ``attr`` naming the field at fault.
"""

from __future__ import annotations

from typing import Any

ERROR_400 = "ValidationErrorResponse"


def _schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "errors"],
        "properties": {
            "type": {"type": "string", "enum": ["validation_error", "client_error"]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "detail", "attr"],
                    "properties": {
                        "code": {"type": "string"},
                        "detail": {"type": "string"},
                        "attr": {
                            "type": "string",
                            "nullable": True,
                            "description": "The field at fault (list items as field.N); "
                            "null when the whole request is.",
                        },
                    },
                },
            },
        },
    }


def json_request_bodies(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: document JSON request bodies only.

    The form encodings exist for the browsable API's HTML forms, where every value is text
    and cannot honour the typed schema; API clients send JSON.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content")
            if content and "application/json" in content:
                for media_type in [m for m in content if m != "application/json"]:
                    del content[media_type]
    return result


def generic_validation_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: point every 400 at one generic validation-error schema."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_400] = _schema()
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("400")
            if response and "content" in response:
                for media in response["content"].values():
                    media["schema"] = {"$ref": f"#/components/schemas/{ERROR_400}"}
    _drop_unreferenced(result.get("paths", {}), components)
    return result


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _drop_unreferenced(paths: dict, components: dict) -> None:
    """Remove the per-endpoint error schemas nothing points at any more (chains included)."""
    while True:
        used = _refs(paths, set()) | _refs(components, set())
        unused = [
            name
            for name in components
            if name.endswith(("ValidationError", "ErrorComponent", "ErrorResponse400", "Error"))
            and name not in used
        ]
        if not unused:
            return
        for name in unused:
            del components[name]


# What ``catalog_cache.positions`` reads and writes (named here: this room imports no app).
POSITION_HEADER = "X-Catalog-Position"
_POSITION_SENT = {
    "name": POSITION_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "example": "16/B374D848"},
    "description": "With read replicas: the WAL position a write returned in this header. A "
    "replica answers only once it has replayed that far, else the primary does; a malformed "
    "value is a 400 naming the header.",
}
_POSITION_RETURNED = {
    "schema": {"type": "string", "example": "16/B374D848"},
    "description": "With read replicas: the WAL position of this write's commit. Send it back "
    "on later reads, to any app server, to read your own writes.",
}


def read_positions(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: the items API's ``X-Catalog-Position``, sent on reads and
    returned by successful writes (see README, "Scaling out")."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/items/"):
            continue
        for method, operation in operations.items():
            if method == "get":
                operation.setdefault("parameters", []).append(_POSITION_SENT)
            elif method in {"post", "put", "patch", "delete"}:
                for status, response in operation.get("responses", {}).items():
                    if status.startswith("2"):
                        response.setdefault("headers", {})[POSITION_HEADER] = _POSITION_RETURNED
    return result
