"""Build config variants from the example for table-driven tests: set, delete or append at a path."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ppmi.yaml"
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def example_data() -> dict:
    """The example config as data, with certificate files made absolute so a copy can live anywhere."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for certificate in data["certificates"].values():
        if "file" in certificate:
            certificate["file"] = str((EXAMPLE.parent / certificate["file"]).resolve())
    return data


def _path(path: str) -> list[str | int]:
    return [key if key is not None and key != "" else int(index) for key, index in _SEGMENT.findall(path)]


def _parent(data: dict, path: str) -> tuple[object, str | int]:
    parts = _path(path)
    node: object = data
    for part in parts[:-1]:
        node = node[part]  # type: ignore[index]
    return node, parts[-1]


def apply(data: dict, case: dict) -> dict:
    """A copy of ``data`` with the case's ``set`` (path: value), ``delete`` and ``append`` applied."""
    data = copy.deepcopy(data)
    for path, value in (case.get("set") or {}).items():
        parent, last = _parent(data, path)
        parent[last] = value  # type: ignore[index]
    for path in case.get("delete") or []:
        parent, last = _parent(data, path)
        del parent[last]  # type: ignore[attr-defined]
    for path, value in (case.get("append") or {}).items():
        parent, last = _parent(data, path)
        parent[last].append(value)  # type: ignore[index]
    return data

