"""Synth is deterministic and order-blind, cdktf and cdktn agree, the example matches its golden files,
and an invalid config writes nothing.

Golden files: tests/golden/<tenant>/cdk.tf.json, synthesized from examples/ppmi.yaml. After an
intended change, regenerate them with ``PPMI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_synth_stability.py``
and review the diff: a changed construct id is a replaced resource.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from synth_sample import read_stacks, sample_config, shuffled
from stacks.synth import synthesize
from validators.config import load_config_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ppmi.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("PPMI_UPDATE_GOLDEN") == "1"


def run_main(cwd: Path, config: Path, library: str = "cdktf") -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PPMI_CONFIG": str(config), "PPMI_CDK": library}
    environment.pop("CDKTF_OUTDIR", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def example_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``main.py`` on the example, once per CDK library, each in its own working folder."""
    outputs = {}
    for library in ("cdktf", "cdktn"):
        work = tmp_path_factory.mktemp(library)
        completed = run_main(work, EXAMPLE, library)
        assert completed.returncode == 0, completed.stderr
        assert "end-of-life" not in completed.stderr and "!!" not in completed.stderr
        outputs[library] = work / "cdktf.out"
    return outputs


def golden_files() -> list[Path]:
    return sorted(GOLDEN.rglob("cdk.tf.json"))


def test_example_matches_golden_files(example_outputs: dict[str, Path]) -> None:
    synthesized = example_outputs["cdktf"] / "stacks"
    if UPDATE_GOLDEN:
        for stale in golden_files():
            stale.unlink()
        for path in synthesized.rglob("cdk.tf.json"):
            target = GOLDEN / path.relative_to(synthesized)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    expected = {str(p.relative_to(GOLDEN)): p.read_bytes() for p in golden_files()}
    actual = {str(p.relative_to(synthesized)): p.read_bytes() for p in sorted(synthesized.rglob("cdk.tf.json"))}
    assert expected, "no golden files: run with PPMI_UPDATE_GOLDEN=1"
    assert actual == expected


def test_cdktn_output_is_byte_identical(example_outputs: dict[str, Path]) -> None:
    cdktf_stacks = {k: v for k, v in read_stacks(example_outputs["cdktf"]).items() if k.endswith("cdk.tf.json")}
    cdktn_stacks = {k: v for k, v in read_stacks(example_outputs["cdktn"]).items() if k.endswith("cdk.tf.json")}
    assert cdktf_stacks and cdktf_stacks == cdktn_stacks


def _reversed_everywhere(node: object) -> object:
    """Every map with its keys in reverse order and every list reversed, recursively."""
    if isinstance(node, dict):
        return {key: _reversed_everywhere(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [_reversed_everywhere(item) for item in reversed(node)]
    return node


def test_reordered_example_yaml_gives_the_same_bytes(example_outputs: dict[str, Path], tmp_path: Path) -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    text = yaml.safe_dump(_reversed_everywhere(document), sort_keys=False)
    loaded = load_config_text(text, file="reordered.yaml", base_dir=EXAMPLE.parent)
    assert loaded.config is not None, loaded.findings
    synthesize(loaded.config, tmp_path / "cdktf.out")
    assert read_stacks(tmp_path / "cdktf.out") == read_stacks(example_outputs["cdktf"])


def test_shuffled_model_and_repeated_synth_give_the_same_bytes(tmp_path: Path) -> None:
    config = sample_config()
    synthesize(config, tmp_path / "first")
    synthesize(config, tmp_path / "again")
    synthesize(shuffled(config, seed=7), tmp_path / "shuffled")
    first = read_stacks(tmp_path / "first")
    assert first == read_stacks(tmp_path / "again")
    assert first == read_stacks(tmp_path / "shuffled")


def test_synth_replaces_previous_output_and_leaves_no_staging_folders(tmp_path: Path) -> None:
    target = tmp_path / "cdktf.out"
    (target / "stacks" / "removed-tenant").mkdir(parents=True)
    (target / "stacks" / "removed-tenant" / "cdk.tf.json").write_text("{}")
    synthesize(sample_config(), target)
    assert sorted(p.name for p in (target / "stacks").iterdir()) == ["contoso", "fabrikam"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out"]


def test_synth_keeps_terraform_working_files_of_each_stack(tmp_path: Path) -> None:
    target = tmp_path / "cdktf.out"
    contoso = target / "stacks" / "contoso"
    (contoso / ".terraform").mkdir(parents=True)
    (contoso / "terraform.contoso.tfstate").write_text('{"serial": 7}')
    (contoso / "cdk.tf.json").write_text("{}")
    (target / "stacks" / "gone").mkdir()
    (target / "stacks" / "gone" / "terraform.gone.tfstate").write_text("{}")
    synthesize(sample_config(), target)
    assert (contoso / "terraform.contoso.tfstate").read_text() == '{"serial": 7}'
    assert (contoso / ".terraform").is_dir()
    assert (contoso / "cdk.tf.json").read_text() != "{}"
    assert sorted(p.name for p in (target / "stacks" / "gone").iterdir()) == ["terraform.gone.tfstate"]


@pytest.fixture
def invalid_config(tmp_path: Path) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["tenants"]["contoso"]["tenant_id"] = "not-a-guid"
    document["certificates"] = {"fabrikam-signing": document["certificates"]["fabrikam-signing"]}
    path = tmp_path / "invalid.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_invalid_config_exits_non_zero_with_findings_and_writes_nothing(invalid_config: Path, tmp_path: Path) -> None:
    work = tmp_path / "fresh"
    work.mkdir()
    completed = run_main(work, invalid_config)
    assert completed.returncode == 1
    assert "error guid.invalid at tenants.contoso.tenant_id" in completed.stderr
    assert "error reference.unknown_certificate at identities.reader.certificates[0]" in completed.stderr
    assert completed.stdout == ""
    assert list(work.iterdir()) == []


def test_invalid_config_leaves_existing_output_untouched(invalid_config: Path, tmp_path: Path) -> None:
    work = tmp_path / "existing"
    previous = work / "cdktf.out" / "stacks" / "contoso" / "cdk.tf.json"
    previous.parent.mkdir(parents=True)
    previous.write_text('{"previous": true}\n')
    before = read_stacks(work)
    completed = run_main(work, invalid_config)
    assert completed.returncode == 1
    assert read_stacks(work) == before
    assert sorted(p.name for p in work.iterdir()) == ["cdktf.out"]
