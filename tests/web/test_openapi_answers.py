"""The OpenAPI document describes the real answers of /api/v1: a success answer in JSON has
a schema with its fields (a model), not a bare object, so that schemathesis' response
conformance check can fail when an answer changes; and the models describe the answers
without losing a field of what the services return."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _bare(schema: dict[str, Any] | None) -> bool:
    """No schema, an empty one, an object without fields, or a list of those. An object
    keyed by ids whose values have a model (``additionalProperties``) is not bare."""
    if not schema:
        return True
    if "$ref" in schema or "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        return False
    if schema.get("type") == "array":
        return _bare(schema.get("items"))
    values = schema.get("additionalProperties")
    if schema.get("type") == "object" and isinstance(values, dict):
        return _bare(values)
    return schema.get("type") == "object" and not schema.get("properties")


def test_every_json_answer_of_the_api_has_a_model(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    bare = set()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                for media_type, content in (answer.get("content") or {}).items():
                    if "json" in media_type and _bare(content.get("schema")):
                        bare.add((method.upper(), path))
    # files and streams (media, previews, the package ZIP, CSV, KML) declare their own media
    # type and are not JSON answers, so they are not counted here
    assert bare == set(), "answers without a model"
