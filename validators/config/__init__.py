"""Load a ppmi config: parse with marks, check structure (JSON Schema), check meaning, build the model.

``load_config`` never raises for bad input: everything wrong is a finding, located in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from validators.config.source import Source, parse_text, read_source
from validators.config.structure import check_structure, config_schema
from validators.findings import Finding, Severity, error, sort_findings
from validators.model import Config

__all__ = ["LoadResult", "load_config", "load_config_text", "config_schema"]


@dataclass(frozen=True)
class LoadResult:
    """The model when the config is sound (no errors left), and every finding either way."""

    config: Config | None
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False
    """True when the file could not be read or parsed at all: a usage/IO error (exit 2), not a finding (exit 1)."""

    @property
    def ok(self) -> bool:
        return self.config is not None


def _acknowledged(finding: Finding, acknowledgements: tuple[str, ...]) -> bool:
    if finding.severity is not Severity.WARNING:
        return False
    return finding.code in acknowledgements or f"{finding.code}@{finding.location}" in acknowledgements


def _acknowledgements(data: dict[str, object]) -> tuple[str, ...]:
    settings = data.get("settings")
    listed = settings.get("acknowledged_warnings") if isinstance(settings, dict) else None
    return tuple(str(item) for item in listed) if isinstance(listed, list) else ()


def _evaluate(source: Source, base_dir: Path, path: Path | None) -> LoadResult:
    from validators.config.build import check_document

    if source.data is None:
        return LoadResult(None, sort_findings(source.findings), unreadable=True)
    if not isinstance(source.data, dict):
        finding = error(
            "config.not_a_mapping",
            "The config must be a mapping with tenants, environments, certificates, identities and key_vaults.",
            "Start from examples/ppmi.yaml.",
        )
        return LoadResult(None, [finding.with_mark(source.mark_for(""))], unreadable=True)
    findings = list(source.findings) + check_structure(source.data)
    config, semantic = check_document(source.data, base_dir, path)
    findings.extend(semantic)
    acknowledgements = _acknowledgements(source.data)
    located = [f.with_mark(source.mark_for(f.location)) for f in findings if not _acknowledged(f, acknowledgements)]
    unique = list(dict.fromkeys(located))
    has_error = any(f.is_error for f in unique)
    return LoadResult(None if has_error else config, sort_findings(unique))


def load_config(path: str | Path) -> LoadResult:
    """Read and check the config at ``path``; relative certificate files resolve against its folder."""
    path = Path(path)
    return _evaluate(read_source(path), path.parent, path)


def load_config_text(text: str, file: str = "<config>", base_dir: str | Path = ".") -> LoadResult:
    """Check config text held in memory (an edited config before it is written, a test case)."""
    return _evaluate(parse_text(text, file), Path(base_dir), Path(file) if file != "<config>" else None)
