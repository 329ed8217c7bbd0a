"""Every bad config in tests/vectors/bad_configs.yaml gives its code at its location, through the CLI."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from config_cases import apply, example_data
from ppmi.cli import main

VECTORS = yaml.safe_load((Path(__file__).parent / "vectors" / "bad_configs.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, case: dict) -> Path:
    target = tmp_path / "ppmi.yaml"
    if "raw" in case:
        target.write_bytes(case["raw"].encode("latin-1" if case.get("latin1") else "utf-8"))
        return target
    data = apply(example_data(), case)
    for index, key in enumerate(case.get("add_certificates", [])):
        data["certificates"][key] = {"match": "hash", "sha256": f"{index + 1:064x}"}
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _validate(path: Path) -> tuple[int, dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["validate", str(path), "--format", "json"])
    return code, json.loads(out.getvalue())


def test_corpus_has_at_least_100_failing_cases() -> None:
    assert len(VECTORS["cases"]) >= 100
    assert len({case["id"] for case in VECTORS["cases"] + VECTORS["warnings"]}) == len(VECTORS["cases"]) + len(
        VECTORS["warnings"]
    )


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["id"])
def test_rejects_bad_config(tmp_path: Path, case: dict) -> None:
    exit_code, document = _validate(_write(tmp_path, case))
    assert exit_code == case.get("exit", 1)
    assert document["exit_code"] == exit_code and document["ok"] is False
    found = [(f["code"], f["location"]) for f in document["findings"]]
    if "location" in case:
        assert (case["code"], case["location"]) in found, found
    else:
        assert case["code"] in [code for code, _ in found], found
    for finding in document["findings"]:
        assert finding["message"] and finding["hint"], finding
        assert finding["line"] is not None or finding["code"] == "config.unreadable", finding


@pytest.mark.parametrize("case", VECTORS["warnings"], ids=lambda case: case["id"])
def test_warns_and_accepts(tmp_path: Path, case: dict) -> None:
    exit_code, document = _validate(_write(tmp_path, case))
    assert exit_code == 0, document["findings"]
    assert (case["code"], case["location"]) in [(f["code"], f["location"]) for f in document["findings"]]
    assert document["summary"]["warnings"] >= 1


@pytest.mark.parametrize("form", ["code", "code@location"])
def test_acknowledged_warning_is_silent(tmp_path: Path, form: str) -> None:
    case = VECTORS["warnings"][0]
    acknowledgement = case["code"] if form == "code" else f"{case['code']}@{case['location']}"
    acknowledged = {**case, "set": {**case["set"], "settings.acknowledged_warnings": [acknowledgement]}}
    exit_code, document = _validate(_write(tmp_path, acknowledged))
    assert exit_code == 0
    assert case["code"] not in [f["code"] for f in document["findings"]]
