"""Structural checks with the shipped JSON Schema (draft 2020-12), reported as findings."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jsonschema
from jsonschema.exceptions import ValidationError

from validators.findings import Finding, error, join_location
from validators.values import check_key

_RULES: dict[str, tuple[str, str]] = {
    "required": ("schema.required", "Add the missing property; docs/design.md and examples/ppmi.yaml show every field."),
    "additionalProperties": (
        "schema.unknown_property",
        "Remove or rename the property; validators/config/ppmi.schema.json lists the accepted ones.",
    ),
    "type": ("schema.type", "Give the value the expected type; quote hex digests and IDs so YAML reads them as text."),
    "enum": ("schema.enum", "Use one of the accepted values listed in the message."),
    "const": ("schema.const", "Use the value shown in the message."),
    "pattern": ("schema.pattern", "Write the value in the form the message shows."),
    "propertyNames": (
        "config.invalid_key",
        "Keys are 1-40 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
    "minItems": ("schema.too_few_items", "Add at least one item."),
    "maxItems": ("schema.too_many_items", "Remove items: the message says how many are accepted."),
    "uniqueItems": ("schema.duplicate_item", "Remove the repeated item."),
    "minLength": ("schema.too_short", "Give a longer value."),
    "maxLength": ("schema.too_long", "Give a shorter value."),
    "oneOf": ("schema.shape", "Match one of the accepted shapes (a backend is type local, or type azurerm with its fields)."),
}
_FALLBACK = ("schema.invalid", "Correct the value as the message says.")


@lru_cache(maxsize=1)
def config_schema() -> dict[str, object]:
    text = resources.files("validators.config").joinpath("ppmi.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(config_schema())


def location_of(path: object) -> str:
    location = ""
    for part in path:  # type: ignore[attr-defined]
        location = f"{location}[{part}]" if isinstance(part, int) else (f"{location}.{part}" if location else str(part))
    return location


def _leaf_errors(err: ValidationError) -> list[ValidationError]:
    """For oneOf/anyOf, the errors of the branch that came closest, rather than a vague summary."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        deepest = max(err.context, key=lambda e: (len(e.relative_path), -len(list(e.context or []))))
        branch = [e for e in err.context if e.relative_schema_path[0] == deepest.relative_schema_path[0]]
        return [leaf for e in branch for leaf in _leaf_errors(e)]
    return [err]


def _message(err: ValidationError) -> str:
    if err.validator == "additionalProperties":
        return f"Unknown property: {err.message.split('(')[-1].rstrip(')')}." if "(" in err.message else err.message
    if err.validator == "propertyNames":
        return f"The key {err.instance!r} is not a valid name."
    return err.message[0].upper() + err.message[1:] + ("" if err.message.endswith(".") else ".")


def check_structure(data: object) -> list[Finding]:
    findings = []
    for top in _validator().iter_errors(data):
        for err in _leaf_errors(top):
            location = location_of(err.absolute_path)
            value = err.instance if isinstance(err.instance, str) else None
            if "propertyNames" in err.schema_path:
                findings.extend(f.under(join_location(location, str(err.instance))) for f in check_key(str(err.instance), location or "the config"))
                continue
            code, hint = _RULES.get(str(err.validator), _FALLBACK)
            findings.append(error(code, _message(err), hint, location=location, value=value))
    return findings
