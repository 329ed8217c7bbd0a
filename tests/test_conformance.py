"""Every attribute the stacks emit exists in the provider's schema with the right type, every required
attribute is set, nothing deprecated is used, and every ``${type.name.attr}`` reference names an
exported attribute.

Schemas: tests/fixtures/provider_schemas/*.json, extracted from the prebuilt cdktn provider packages by
scripts/extract_provider_schemas.py (package and provider versions are recorded in each file).
microsoft/power-platform has no prebuilt package and so no fixture: its resources are checked by the
synth tests against the provider's docs instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from synth_sample import sample_config
from stacks.synth import synthesize

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "provider_schemas"
GOLDEN = Path(__file__).resolve().parent / "golden"
META_ARGUMENTS = {"//", "provider", "depends_on", "lifecycle", "count", "for_each"}
REFERENCE = re.compile(r"\b((?:azurerm|azuread)_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\b")


def load_schemas() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(FIXTURES.glob("*.json"))}


SCHEMAS = load_schemas()
RESOURCE_SCHEMAS = {rtype: schema for doc in SCHEMAS.values() for rtype, schema in doc["resources"].items()}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The example's golden stacks and the hand-built sample's stacks, by a readable name."""
    outdir = tmp_path_factory.mktemp("conformance") / "cdktf.out"
    synthesize(sample_config(), outdir)
    found = {f"golden/{p.parent.name}": p for p in GOLDEN.rglob("cdk.tf.json")}
    found.update({f"sample/{p.parent.name}": p for p in (outdir / "stacks").rglob("cdk.tf.json")})
    return {name: json.loads(path.read_text(encoding="utf-8")) for name, path in sorted(found.items())}


def type_problems(value: object, kind: str, where: str, nested: dict | None) -> list[str]:
    if kind == "string":
        return [] if isinstance(value, str) else [f"{where}: expected string, got {value!r}"]
    if kind == "bool":
        return [] if isinstance(value, bool) else [f"{where}: expected bool, got {value!r}"]
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected number, got {value!r}"]
    if kind == "block":
        return attribute_problems(value, nested or {}, where) if isinstance(value, dict) else [f"{where}: expected block"]
    inner = re.fullmatch(r"(list|map)\((.+)\)", kind)
    if inner is None:
        return []
    if inner.group(1) == "list":
        if not isinstance(value, list):
            return [f"{where}: expected {kind}, got {value!r}"]
        return [p for i, item in enumerate(value) for p in type_problems(item, inner.group(2), f"{where}[{i}]", nested)]
    if not isinstance(value, dict):
        return [f"{where}: expected {kind}, got {value!r}"]
    return [p for k, item in value.items() for p in type_problems(item, inner.group(2), f"{where}.{k}", nested)]


def attribute_problems(emitted: dict, schema: dict[str, dict], where: str) -> list[str]:
    problems = []
    for name, value in emitted.items():
        if name in META_ARGUMENTS:
            continue
        attribute = schema.get(name)
        if attribute is None:
            problems.append(f"{where}.{name}: not in the provider schema")
            continue
        if attribute["deprecated"]:
            problems.append(f"{where}.{name}: deprecated")
        problems += type_problems(value, attribute["type"], f"{where}.{name}", attribute.get("attributes"))
    problems += [f"{where}.{name}: required but not set" for name, a in schema.items() if a["required"] and name not in emitted]
    return problems


def test_fixtures_record_their_versions() -> None:
    assert set(SCHEMAS) == {"azurerm", "azuread"}
    for document in SCHEMAS.values():
        assert document["package_version"] and document["provider_version"]
    assert SCHEMAS["azurerm"]["provider_version"].split(".")[0] in {"4", "5"}
    assert "user_assigned_identity_id" in RESOURCE_SCHEMAS["azurerm_federated_identity_credential"]["attributes"]


def test_resources_conform(stacks: dict[str, dict]) -> None:
    problems, checked = [], 0
    for stack_name, stack in stacks.items():
        for resource_type, resources in stack["resource"].items():
            if resource_type.startswith("powerplatform_"):
                continue
            assert resource_type in RESOURCE_SCHEMAS, f"{resource_type} has no schema fixture"
            for construct_id, emitted in resources.items():
                where = f"{stack_name}:{resource_type}.{construct_id}"
                problems += attribute_problems(emitted, RESOURCE_SCHEMAS[resource_type]["attributes"], where)
                checked += 1
    assert checked > 10 and problems == []


def test_provider_configurations_conform(stacks: dict[str, dict]) -> None:
    problems = []
    for stack_name, stack in stacks.items():
        for provider, configurations in stack["provider"].items():
            if provider == "powerplatform":
                continue
            for configuration in configurations:
                problems += attribute_problems(configuration, SCHEMAS[provider]["provider_config"]["attributes"], f"{stack_name}:{provider}")
    assert problems == []


def test_references_name_exported_attributes(stacks: dict[str, dict]) -> None:
    problems, seen = [], 0
    for stack_name, stack in stacks.items():
        for resource_type, name, attribute in REFERENCE.findall(json.dumps(stack)):
            seen += 1
            if attribute not in RESOURCE_SCHEMAS[resource_type]["exported"]:
                problems.append(f"{stack_name}: {resource_type}.{name}.{attribute} is not exported")
            if name not in stack["resource"].get(resource_type, {}):
                problems.append(f"{stack_name}: {resource_type}.{name} is not declared")
    assert seen > 10 and problems == []


@pytest.mark.parametrize(
    "emitted, problem",
    [
        ({"name": "x", "resource_group_name": "rg"}, "location: required but not set"),
        ({"name": "x", "resource_group_name": "rg", "location": "l", "parent_id": "p"}, "parent_id: not in the provider schema"),
        ({"name": "x", "resource_group_name": "rg", "location": "l", "tags": ["a"]}, "tags: expected map(string)"),
    ],
)
def test_rejects_nonconforming_attributes(emitted: dict, problem: str) -> None:
    schema = RESOURCE_SCHEMAS["azurerm_user_assigned_identity"]["attributes"]
    assert any(problem in p for p in attribute_problems(emitted, schema, "uami"))


def test_rejects_deprecated_attributes() -> None:
    schema = {"parent_id": {"type": "string", "required": False, "deprecated": True}}
    assert attribute_problems({"parent_id": "p"}, schema, "fic") == ["fic.parent_id: deprecated"]
