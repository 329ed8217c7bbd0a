"""Turn checks into one line each, a summary, the JSON result and the exit code.

Exit codes: 0 when every check passed (warnings and skips allowed), 1 when any check failed,
3 when the run stopped because nothing more could be read (authentication, network, a failing service).
"""

from __future__ import annotations

from dataclasses import dataclass
from ppmi import exit_codes
from ppmi.verify.checks import Check, Status
from ppmi.verify.clients import EnvironmentFailure
from validators.findings import Finding, error

LABELS: dict[Status, str] = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WARN: "WARN", Status.SKIP: "SKIP"}

STOP_CODES: dict[str, str] = {
    "authentication": "verify.authentication_failed",
    "network": "verify.network_failed",
    "service": "verify.service_unavailable",
}


@dataclass(frozen=True)
class Report:
    """The outcome of one run: the checks made, and why the run stopped early if it did."""

    checks: tuple[Check, ...]
    stopped: EnvironmentFailure | None = None

    def counts(self) -> dict[str, int]:
        return {status.value: sum(1 for check in self.checks if check.status is status) for status in Status}

    @property
    def exit_code(self) -> int:
        if self.stopped is not None:
            return exit_codes.ENVIRONMENT
        if any(check.status is Status.FAIL for check in self.checks):
            return exit_codes.FINDINGS
        return exit_codes.OK

    def findings(self) -> list[Finding]:
        findings = [finding for check in self.checks for finding in check.findings]
        if self.stopped is not None:
            findings.append(error(STOP_CODES[self.stopped.kind], self.stopped.message, self.stopped.hint))
        return findings

    def summary_line(self) -> str:
        counts = self.counts()
        parts = [
            f"{len(self.checks)} check{'s' if len(self.checks) != 1 else ''}",
            f"{counts['pass']} passed",
            f"{counts['fail']} failed",
            f"{counts['warn']} warned",
            f"{counts['skipped']} skipped",
        ]
        line = "verify: " + ", ".join(parts)
        if self.stopped is not None:
            line += f"; stopped early ({self.stopped.kind} failure)"
        return line

    def text(self) -> str:
        lines = [format_check(check) for check in self.checks]
        if self.stopped is not None:
            lines.append(f"STOP  {self.stopped.message.splitlines()[0]}")
        lines.append(self.summary_line())
        return "\n".join(lines)

    def data(self, config_path: str) -> dict[str, object]:
        return {
            "config": config_path,
            "checks": [
                {
                    "location": check.location,
                    "title": check.title,
                    "status": check.status.value,
                    "detail": check.detail,
                    "codes": [finding.code for finding in check.findings],
                }
                for check in self.checks
            ],
            "counts": self.counts(),
            "stopped": None if self.stopped is None else {"kind": self.stopped.kind, "message": self.stopped.message},
        }


def format_check(check: Check) -> str:
    return f"{LABELS[check.status]}  {check.location}  {check.title}: {check.detail}"

