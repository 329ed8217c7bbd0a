"""Read a synth output folder, a ``cdk.tf.json`` or a Terraform JSON plan into ``Stack`` values.

The plan format is Terraform's documented JSON output (developer.hashicorp.com/terraform/internals/
json-format): ``resource_changes[].change`` with ``actions``, ``before``/``after``, ``after_unknown``,
``before_sensitive``/``after_sensitive``, ``replace_paths`` and ``action_reason``; ``configuration``
holds the expressions, whose ``references`` tie a credential to its identity before the identity
exists. Only ``format_version`` 1.x is read: a new major version may change any of this.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ppmi.review.model import Action, Marker, ResourceChange, Stack, Value, action_from_terraform
from validators.findings import Finding, error

SUPPORTED_PLAN_MAJOR = "1"
SYNTH_FILE = "cdk.tf.json"

_INDEX = re.compile(r"\[[^\]]*\]")
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_RESOURCE_REFERENCE = re.compile(r"(?<![\w.])((?:module\.[A-Za-z0-9_-]+\.)*[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)")
_NOT_RESOURCES = ("var.", "local.", "data.", "each.", "count.", "path.", "self.", "terraform.")
_BLOCK_KEYS = {"lifecycle", "depends_on", "provider", "count", "for_each", "provisioner", "connection"}


@dataclass(frozen=True)
class ReadResult:
    stacks: tuple[Stack, ...]
    findings: tuple[Finding, ...]


def read_path(path: Path) -> ReadResult:
    """Every stack under ``path``: a synth folder (``cdktf.out``, ``cdktf.out/stacks``, one stack
    folder), a ``cdk.tf.json`` file, or a plan exported with ``terraform show -json``."""
    if not path.exists():
        return _failed(
            "review.input_not_found",
            f"{path} does not exist.",
            "Pass a synth output folder (cdktf.out), a cdk.tf.json file or a plan exported with "
            "'terraform show -json plan.out > plan.json'.",
        )
    if path.is_dir():
        return _read_folder(path)
    return _read_file(path)


def _failed(code: str, message: str, hint: str, location: str = "") -> ReadResult:
    return ReadResult(stacks=(), findings=(error(code, message, hint, location=location),))


def _read_folder(folder: Path) -> ReadResult:
    candidates = [folder / SYNTH_FILE, *sorted(folder.glob(f"stacks/*/{SYNTH_FILE}")), *sorted(folder.glob(f"*/{SYNTH_FILE}"))]
    files = [c for c in candidates if c.is_file()]
    if not files:
        return _failed(
            "review.no_stacks",
            f"{folder} holds no {SYNTH_FILE}, neither directly nor in stacks/<name>/.",
            "Run 'make synth' (or 'ppmi synth') first, then pass cdktf.out or one cdktf.out/stacks/<name> folder.",
            location=str(folder),
        )
    if (folder / SYNTH_FILE).is_file():
        files = [folder / SYNTH_FILE]
    stacks: list[Stack] = []
    findings: list[Finding] = []
    for file in files:
        result = _read_file(file)
        stacks.extend(result.stacks)
        findings.extend(result.findings)
    return ReadResult(stacks=tuple(sorted(stacks, key=lambda s: s.name)), findings=tuple(findings))


def _read_file(file: Path) -> ReadResult:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return _failed("review.unreadable_input", f"{file} cannot be read: {exc}.", "Check the path and its permissions.", str(file))
    except json.JSONDecodeError as exc:
        return _failed(
            "review.unreadable_input",
            f"{file} is not JSON: {exc}.",
            "Pass the JSON form of a plan ('terraform show -json plan.out'), not the binary plan file or its text output.",
            str(file),
        )
    if not isinstance(document, dict):
        return _unrecognized(file)
    if "format_version" in document and any(k in document for k in ("planned_values", "resource_changes", "prior_state")):
        return read_plan(document, stack_name_for(file), str(file))
    if "format_version" not in document and any(k in document for k in ("resource", "terraform", "provider", "data")):
        return ReadResult(stacks=(read_synth(document, stack_name_for(file), str(file)),), findings=())
    return _unrecognized(file)


def _unrecognized(file: Path) -> ReadResult:
    return _failed(
        "review.unrecognized_input",
        f"{file} is neither a synthesized cdk.tf.json nor a Terraform plan in JSON form.",
        "Export a plan with 'terraform show -json plan.out > plan.json'; a state file ('terraform show -json' "
        "without a plan) cannot be reviewed.",
        str(file),
    )


def stack_name_for(file: Path) -> str:
    """The stack folder's name for ``cdktf.out/stacks/<name>/...``, else the file name without
    ``.json`` and ``.plan`` (``contoso.plan.json`` -> ``contoso``)."""
    parent = file.resolve().parent
    if parent.parent.name == "stacks":
        return parent.name
    if file.name == SYNTH_FILE:
        return parent.name
    return file.name.removesuffix(".json").removesuffix(".plan")


def config_address_of(address: str) -> str:
    """``module.a[0].azurerm_x.y["k"]`` -> ``module.a.azurerm_x.y``: the address in the configuration."""
    return _INDEX.sub("", address)


# Synthesized cdk.tf.json ---------------------------------------------------------------------------


def read_synth(document: Mapping[str, object], name: str, source: str) -> Stack:
    """Every managed resource of a synthesized stack, each a planned create."""
    changes: list[ResourceChange] = []
    resources = document.get("resource")
    for resource_type, instances in sorted(resources.items() if isinstance(resources, dict) else ()):
        if not isinstance(instances, dict):
            continue
        for resource_name, body in sorted(instances.items()):
            if not isinstance(body, dict):
                continue
            attributes = {k: _synth_value(v) for k, v in sorted(body.items()) if not k.startswith("//") and k not in _BLOCK_KEYS}
            references = {k: refs for k, v in sorted(body.items()) if not k.startswith("//") and (refs := _synth_references(v))}
            address = f"{resource_type}.{resource_name}"
            changes.append(
                ResourceChange(
                    address=address,
                    config_address=address,
                    type=resource_type,
                    name=resource_name,
                    action=Action.CREATE,
                    before=None,
                    after=attributes,
                    changed=tuple(attributes),
                    references=references,
                    construct_path=_construct_path(body),
                )
            )
    return Stack(name=name, source=source, kind="synth", changes=tuple(changes))


def _construct_path(body: Mapping[str, object]) -> str | None:
    metadata = body.get("//")
    if isinstance(metadata, dict) and isinstance(metadata.get("metadata"), dict):
        path = metadata["metadata"].get("path")
        return path if isinstance(path, str) else None
    return None


def _synth_value(raw: object) -> Value:
    """Literal values as they are; anything Terraform interpolates is known only after apply."""
    if isinstance(raw, str):
        return Marker.UNKNOWN if _INTERPOLATION.search(raw) else raw
    if isinstance(raw, list):
        return [_synth_value(item) for item in raw]
    if isinstance(raw, dict):
        return {str(k): _synth_value(v) for k, v in raw.items()}
    if raw is None or isinstance(raw, (bool, int, float)):
        return raw
    return str(raw)


def _synth_references(raw: object) -> tuple[str, ...]:
    found: set[str] = set()
    for text in _strings(raw):
        for expression in _INTERPOLATION.findall(text):
            found.update(_RESOURCE_REFERENCE.findall(expression))
    return tuple(sorted(found))


def _strings(raw: object) -> Iterable[str]:
    if isinstance(raw, str):
        yield raw
    elif isinstance(raw, list):
        for item in raw:
            yield from _strings(item)
    elif isinstance(raw, dict):
        for item in raw.values():
            yield from _strings(item)


# Terraform plan JSON -------------------------------------------------------------------------------


def read_plan(document: Mapping[str, object], name: str, source: str) -> ReadResult:
    """The resource changes of one plan; refuses a ``format_version`` of another major version."""
    version = str(document.get("format_version", ""))
    if version.split(".")[0] != SUPPORTED_PLAN_MAJOR:
        return _failed(
            "review.unsupported_plan_format",
            f"{source} has plan format_version {version!r}; ppmi reads format 1.x only.",
            "Export the plan with a Terraform version whose 'terraform show -json' writes format_version 1.x "
            "(Terraform 1.0 and later), or upgrade ppmi.",
            source,
        )
    references = _configuration_references(document.get("configuration"))
    changes: list[ResourceChange] = []
    findings: list[Finding] = []
    raw_changes = document.get("resource_changes") or []
    for raw in raw_changes if isinstance(raw_changes, list) else []:
        if not isinstance(raw, dict) or raw.get("mode", "managed") != "managed":
            continue
        change = _plan_change(raw, references)
        if change is None:
            findings.append(
                error(
                    "review.unrecognized_input",
                    f"{source}: resource change {raw.get('address')!r} has actions {raw.get('change', {}).get('actions')!r}, "
                    "which the plan format does not define.",
                    "Export the plan again with 'terraform show -json'; do not edit it by hand.",
                    location=str(raw.get("address", "")),
                )
            )
            continue
        changes.append(change)
    changes.sort(key=lambda c: (c.address, c.deposed or ""))
    stack = Stack(
        name=name,
        source=source,
        kind="plan",
        changes=tuple(changes),
        terraform_version=str(document["terraform_version"]) if "terraform_version" in document else None,
        format_version=version,
    )
    return ReadResult(stacks=(stack,), findings=tuple(findings))


def _plan_change(raw: Mapping[str, object], references: Mapping[str, Mapping[str, tuple[str, ...]]]) -> ResourceChange | None:
    change = raw.get("change")
    if not isinstance(change, dict):
        return None
    actions = change.get("actions")
    action = action_from_terraform(actions) if isinstance(actions, list) else None
    if action is None:
        return None
    before_raw = change.get("before")
    after_raw = change.get("after")
    after_unknown = change.get("after_unknown")
    before = _masked(before_raw, False, change.get("before_sensitive")) if isinstance(before_raw, dict) else None
    after = None
    if isinstance(after_raw, dict) or (action is not Action.DELETE and isinstance(after_unknown, dict)):
        after = _masked(after_raw if isinstance(after_raw, dict) else {}, after_unknown, change.get("after_sensitive"))
    address = str(raw.get("address", ""))
    config_address = config_address_of(address)
    return ResourceChange(
        address=address,
        config_address=config_address,
        type=str(raw.get("type", "")),
        name=str(raw.get("name", "")),
        action=action,
        before=before,
        after=after,
        changed=_changed(before_raw, after_raw, after_unknown, action),
        replace_paths=tuple(_path_text(p) for p in change.get("replace_paths") or () if isinstance(p, list)),
        action_reason=str(raw["action_reason"]) if raw.get("action_reason") else None,
        references=references.get(config_address, {}),
        replace_order=_replace_order(actions) if action is Action.REPLACE and isinstance(actions, list) else None,
        deposed=str(raw["deposed"]) if raw.get("deposed") else None,
    )


def _replace_order(actions: list[str]) -> str:
    return "create_before_destroy" if actions[0] == "create" else "delete_before_create"


def _masked(value: object, unknown: object, sensitive: object) -> dict[str, Value]:
    masked = _overlay(value, unknown, sensitive)
    return masked if isinstance(masked, dict) else {}


def _overlay(value: object, unknown: object, sensitive: object) -> Value:
    """Apply Terraform's parallel ``*_unknown``/``*_sensitive`` structures: ``true`` marks the whole
    node, objects and arrays mark their members."""
    if sensitive is True:
        return Marker.SENSITIVE
    if unknown is True:
        return Marker.UNKNOWN
    if isinstance(value, dict) or isinstance(unknown, dict):
        values = value if isinstance(value, dict) else {}
        unknowns = unknown if isinstance(unknown, dict) else {}
        sensitives = sensitive if isinstance(sensitive, dict) else {}
        keys = sorted(set(values) | {k for k, v in unknowns.items() if v})
        return {k: _overlay(values.get(k), unknowns.get(k), sensitives.get(k)) for k in keys}
    if isinstance(value, list) or isinstance(unknown, list):
        values_list = value if isinstance(value, list) else []
        unknowns_list = unknown if isinstance(unknown, list) else []
        sensitives_list = sensitive if isinstance(sensitive, list) else []
        length = max(len(values_list), len(unknowns_list))
        return [
            _overlay(
                values_list[i] if i < len(values_list) else None,
                unknowns_list[i] if i < len(unknowns_list) else None,
                sensitives_list[i] if i < len(sensitives_list) else None,
            )
            for i in range(length)
        ]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _changed(before: object, after: object, after_unknown: object, action: Action) -> tuple[str, ...]:
    """Top-level attributes that differ, computed on the raw values so masked secrets still count."""
    if action in (Action.NO_OP, Action.READ):
        return ()
    before_map = before if isinstance(before, dict) else {}
    after_map = after if isinstance(after, dict) else {}
    unknown_map = after_unknown if isinstance(after_unknown, dict) else {}
    if action is Action.CREATE:
        return tuple(sorted(set(after_map) | {k for k, v in unknown_map.items() if v}))
    if action is Action.DELETE:
        return tuple(sorted(before_map))
    keys = set(before_map) | set(after_map) | set(unknown_map)
    return tuple(
        sorted(k for k in keys if _contains_true(unknown_map.get(k)) or before_map.get(k) != after_map.get(k))
    )


def _contains_true(marks: object) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_contains_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_contains_true(v) for v in marks)
    return False


def _path_text(path: list[object]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _configuration_references(configuration: object) -> dict[str, dict[str, tuple[str, ...]]]:
    """Config address -> attribute -> referenced resource config addresses, for every module."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    if isinstance(configuration, dict):
        _module_references(configuration.get("root_module"), "", found)
    return found


def _module_references(module: object, prefix: str, found: dict[str, dict[str, tuple[str, ...]]]) -> None:
    if not isinstance(module, dict):
        return
    for resource in module.get("resources") or ():
        if not isinstance(resource, dict) or not isinstance(resource.get("address"), str):
            continue
        expressions = resource.get("expressions")
        per_attribute: dict[str, tuple[str, ...]] = {}
        for attribute, expression in sorted(expressions.items() if isinstance(expressions, dict) else ()):
            refs = sorted({prefix + r for r in _expression_references(expression)})
            if refs:
                per_attribute[attribute] = tuple(refs)
        found[prefix + resource["address"]] = per_attribute
    calls = module.get("module_calls")
    for call_name, call in sorted(calls.items() if isinstance(calls, dict) else ()):
        if isinstance(call, dict):
            _module_references(call.get("module"), f"{prefix}module.{call_name}.", found)


def _expression_references(expression: object) -> set[str]:
    """Resource addresses (``type.name``) among an expression's ``references``, through nested blocks."""
    found: set[str] = set()
    if isinstance(expression, list):
        for item in expression:
            found |= _expression_references(item)
    elif isinstance(expression, dict):
        for reference in expression.get("references") or ():
            if isinstance(reference, str) and not reference.startswith(_NOT_RESOURCES + ("module.",)):
                parts = reference.split(".")
                if len(parts) >= 2:
                    found.add(config_address_of(".".join(parts[:2])))
        for key, nested in expression.items():
            if key not in ("references", "constant_value"):
                found |= _expression_references(nested)
    return found
