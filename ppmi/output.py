"""Command results and the one renderer that prints them.

``--format json`` prints exactly one key-sorted JSON document on stdout, on success and on every
failure; progress and logs go to stderr.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence, TextIO

from ppmi import __version__, exit_codes
from validators.findings import Finding, Severity, sort_findings

if TYPE_CHECKING:  # the loader pulls in jsonschema, which commands without a config never need
    from validators.config import LoadResult
    from validators.model import Config

JSON_SCHEMA_VERSION = 1


@dataclass
class CommandResult:
    """What a command produced: ``data`` for JSON, ``text`` for people, ``findings`` for both."""

    command: str
    exit_code: int = exit_codes.OK
    data: Mapping[str, object] = field(default_factory=dict)
    text: str = ""
    findings: Sequence[Finding] = ()


def findings_exit_code(findings: Iterable[Finding]) -> int:
    return exit_codes.FINDINGS if any(f.severity is Severity.ERROR for f in findings) else exit_codes.OK


def usable_config(
    command: str,
    loaded: LoadResult,
    data: Mapping[str, object],
    *,
    invalid_exit_code: int = exit_codes.FINDINGS,
) -> tuple[Config | None, CommandResult]:
    """The config a command can work with, and the result to return instead when there is none.

    An unreadable or unparsable file is a usage/IO error (exit 2); a config with errors exits with
    ``invalid_exit_code``: 1 where the config is what the command checks, 2 where it is an auxiliary input.
    """
    exit_code = exit_codes.USAGE if loaded.unreadable else invalid_exit_code
    return loaded.config, CommandResult(command, exit_code, dict(data), findings=loaded.findings)


def envelope(result: CommandResult) -> dict[str, object]:
    findings = sort_findings(result.findings)
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "ppmi_version": __version__,
        "command": result.command,
        "exit_code": result.exit_code,
        "ok": result.exit_code == exit_codes.OK,
        "summary": {
            "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
            "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
        },
        "findings": [f.to_dict() for f in findings],
        "result": dict(result.data),
    }


def to_json(document: Mapping[str, object]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_finding(finding: Finding) -> str:
    where = f"{finding.mark}: " if finding.mark else ""
    location = f" at {finding.location}" if finding.location else ""
    lines = [f"{where}{finding.severity.value} {finding.code}{location}", f"  {finding.message}"]
    if finding.value is not None:
        lines.append(f"  value: {finding.value!r}")
    if finding.hint:
        lines.append(f"  fix: {finding.hint}")
    return "\n".join(lines)


def format_findings(findings: Sequence[Finding]) -> str:
    ordered = sort_findings(findings)
    errors = sum(1 for f in ordered if f.severity is Severity.ERROR)
    warnings = len(ordered) - errors
    blocks = [format_finding(f) for f in ordered]
    blocks.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    return "\n\n".join(blocks)


def render(result: CommandResult, output_format: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if output_format == "json":
        stream.write(to_json(envelope(result)))
        return
    parts = [result.text.rstrip("\n")] if result.text else []
    if result.findings:
        parts.append(format_findings(result.findings))
    if parts:
        stream.write("\n\n".join(parts) + "\n")
