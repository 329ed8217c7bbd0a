"""Findings: every problem ppmi reports is a value, never an exception crossing layers.

Leaf checks return findings with a location relative to what they were given; the walker that
descends into the configuration prefixes the location (see ``Finding.under``), as
python-jsonschema and pydantic do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Mark:
    """A place in a source file, 1-based, so a finding can say ``ppmi.yaml:42:7``."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem: a stable ``code``, where it is, what is wrong and how to fix it."""

    code: str
    message: str
    hint: str = ""
    location: str = ""
    severity: Severity = Severity.ERROR
    value: str | None = None
    mark: Mark | None = None
    context: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def under(self, prefix: str) -> "Finding":
        """The same finding, located inside ``prefix`` (a config path such as ``identities.reader``)."""
        return replace(self, location=join_location(prefix, self.location))

    def with_mark(self, mark: Mark | None) -> "Finding":
        return self if mark is None or self.mark is not None else replace(self, mark=mark)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "location": self.location,
            "file": self.mark.file if self.mark else None,
            "line": self.mark.line if self.mark else None,
            "column": self.mark.column if self.mark else None,
            "message": self.message,
            "hint": self.hint,
            "value": self.value,
            "context": dict(self.context),
        }


def join_location(prefix: str, location: str) -> str:
    """Join config paths: ``a.b`` + ``c`` -> ``a.b.c``; ``a.b`` + ``[1]`` -> ``a.b[1]``."""
    if not prefix:
        return location
    if not location:
        return prefix
    return prefix + location if location.startswith("[") else f"{prefix}.{location}"


def error(code: str, message: str, hint: str = "", *, location: str = "", value: str | None = None) -> Finding:
    return Finding(code=code, message=message, hint=hint, location=location, value=value)


def warning(code: str, message: str, hint: str = "", *, location: str = "", value: str | None = None) -> Finding:
    return Finding(code=code, message=message, hint=hint, location=location, value=value, severity=Severity.WARNING)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Stable order for output: by file position when known, then location and code."""

    def key(f: Finding) -> tuple[object, ...]:
        line = f.mark.line if f.mark else 10**9
        column = f.mark.column if f.mark else 0
        return (line, column, f.location, f.code, f.message)

    return sorted(findings, key=key)
