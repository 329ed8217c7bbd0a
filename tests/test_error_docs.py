"""Every finding code the source can emit has its section in docs/errors.md, and no section is orphaned."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("validators", "stacks", "ppmi") for p in (ROOT / folder).rglob("*.py")] + [ROOT / "main.py"]
CODE = r"[a-z][a-z0-9]*\.[a-z][a-z0-9_]*"
LITERAL = re.compile(rf"""["']({CODE})["']""")


def documented_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(rf"^## ({CODE})\s*$", text, re.MULTILINE))


def emitted_codes() -> set[str]:
    """Every string literal in the source that has the form of a code in one of the documented namespaces.

    Codes are written out in full where they are raised (never assembled), so this finds them however they
    are raised: ``error(...)``, ``Risk(...)``, a table of codes.
    """
    namespaces = {code.split(".")[0] for code in documented_codes()}
    codes: set[str] = set()
    for path in SOURCES:
        if path.exists():
            codes.update(c for c in LITERAL.findall(path.read_text(encoding="utf-8")) if c.split(".")[0] in namespaces)
    return codes


def test_every_emitted_code_is_documented() -> None:
    missing = sorted(emitted_codes() - documented_codes())
    assert not missing, f"add a section to docs/errors.md for: {missing}"


def test_every_documented_code_exists_in_the_source() -> None:
    literals: set[str] = set()
    for path in SOURCES:
        if path.exists():
            literals.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    orphaned = sorted(documented_codes() - literals)
    assert not orphaned, f"docs/errors.md documents codes nothing emits: {orphaned}"


def test_each_code_is_documented_once() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    headings = re.findall(rf"^## ({CODE})\s*$", text, re.MULTILINE)
    assert len(headings) == len(set(headings)), sorted({h for h in headings if headings.count(h) > 1})
