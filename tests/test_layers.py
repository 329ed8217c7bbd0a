"""The layers import only downwards: validators <- stacks <- ppmi; the CDK only in stacks/cdk.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "validators": {"stacks", "ppmi", "cdktf", "cdktn", "jsii", "constructs", "azure", "requests", "urllib3", "http"},
    "stacks": {"ppmi", "azure"},
}
CDK_LIBRARIES = {"cdktf", "cdktn", "jsii"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
        if imported_modules(path) & FORBIDDEN[layer]
    }
    assert not offenders


def test_cdk_library_is_imported_in_one_module() -> None:
    importers = sorted(
        str(path.relative_to(ROOT))
        for folder in ("validators", "stacks", "ppmi")
        for path in (ROOT / folder).rglob("*.py")
        if imported_modules(path) & CDK_LIBRARIES
    )
    assert importers == ["stacks/cdk.py"]
