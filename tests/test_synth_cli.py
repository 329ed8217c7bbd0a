"""``ppmi synth`` through the real entry point: exit codes, the JSON envelope, the text summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ppmi.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ppmi.yaml"


def test_json_summary_of_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", str(EXAMPLE), "--out", str(tmp_path / "out"), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["exit_code"] == 0 and document["command"] == "synth"
    result = document["result"]
    assert sorted(result["stacks"]) == ["contoso", "fabrikam"]
    assert result["totals"]["identities"] == 3 and result["totals"]["records"] == 1
    for entry in result["stacks"].values():
        assert (tmp_path / "out" / entry["path"]).is_file()


@pytest.mark.parametrize(
    "content, expected_code, finding",
    [
        (None, 2, "config.unreadable"),
        ("version: 1\ntenants: {contoso: {tenant_id: nope}}\n", 1, "guid.invalid"),
    ],
)
def test_failures_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected_code: int, finding: str
) -> None:
    config = tmp_path / "ppmi.yaml"
    if content is not None:
        config.write_text(content)
    code = main(["synth", str(config), "--out", str(tmp_path / "out"), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == expected_code == document["exit_code"]
    assert finding in {f["code"] for f in document["findings"]}
    assert not (tmp_path / "out").exists()
