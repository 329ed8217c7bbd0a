"""The CLI's contract: one JSON envelope on stdout in every case, documented exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ppmi import cli
from ppmi.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
ENVELOPE_KEYS = {"schema_version", "ppmi_version", "command", "exit_code", "ok", "summary", "findings", "result"}
FINDING_KEYS = {"code", "severity", "location", "file", "line", "column", "message", "hint", "value", "context"}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_envelope_of_a_success(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "validate", "examples/ppmi.yaml")
    assert code == 0
    assert set(document) == ENVELOPE_KEYS
    assert document["schema_version"] == 1 and document["ok"] is True and document["exit_code"] == 0
    assert document["summary"] == {"errors": 0, "warnings": 0}


def test_envelope_of_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, "validate", "examples/mistakes.yaml")
    assert code == 1 and document["exit_code"] == 1 and document["ok"] is False
    assert document["summary"]["errors"] == 3
    for finding in document["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["file"] == "examples/mistakes.yaml" and finding["line"] >= 1


@pytest.mark.parametrize(
    "argv",
    [["validate", "--bogus"], ["no-such-command"], ["fic", "--tenant-id"], ["review"]],
    ids=["unknown-option", "unknown-command", "missing-value", "missing-argument"],
)
def test_usage_errors_are_json_with_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, document = run_json(capsys, *argv)
    assert code == 2 and document["exit_code"] == 2
    assert [f["code"] for f in document["findings"]] == ["usage.invalid"]


def test_unreadable_config_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, document = run_json(capsys, "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and document["findings"][0]["code"] == "config.unreadable"


def test_an_unexpected_failure_is_exit_4_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(command: str) -> tuple[object, object]:
        raise RuntimeError("boom")

    monkeypatch.delenv("PPMI_DEBUG", raising=False)
    monkeypatch.setattr(cli, "build_parser", explode)
    code, document = run_json(capsys, "validate", "examples/ppmi.yaml")
    assert code == 4 and document["exit_code"] == 4
    assert document["findings"][0]["code"] == "internal.error"
    assert "RuntimeError: boom" in document["findings"][0]["message"]


def test_json_is_key_sorted_and_stable(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", "examples/ppmi.yaml", "--format", "json"])
    first = capsys.readouterr().out
    main(["validate", "examples/ppmi.yaml", "--format", "json"])
    assert capsys.readouterr().out == first
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_every_command_has_help_through_the_installed_entry_point() -> None:
    ppmi = Path(sys.executable).parent / "ppmi"
    top = subprocess.run([str(ppmi), "--help"], capture_output=True, text=True, cwd=ROOT)
    assert top.returncode == 0
    for command in COMMANDS:
        assert command in top.stdout
        result = subprocess.run([str(ppmi), command, "--help"], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert f"usage: ppmi {command}" in result.stdout
        assert "Traceback" not in result.stderr
