"""``ppmi review`` through the real entry point: output formats, exit codes, masking, determinism,
and the synthesized example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "tests" / "fixtures" / "plans"
PPMI = REPO / ".venv" / "bin" / "ppmi"
CONFIG = REPO / "examples" / "ppmi.yaml"


def ppmi(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PPMI), *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=60)


@pytest.fixture(scope="module")
def synth_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "cdktf.out"
    env = {**os.environ, "PPMI_CONFIG": str(CONFIG), "CDKTF_OUTDIR": str(out)}
    done = subprocess.run([sys.executable, "main.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize(
    ("plan", "fail_on", "exit_code"),
    [
        ("credential_update", "high", 1),
        ("credential_update", "medium", 1),
        ("credential_update", "never", 0),
        ("identity_replaced", "high", 1),
        ("create", "high", 0),
        ("create", "medium", 0),
        ("terraform_data", "high", 0),
    ],
)
def test_exit_code_follows_fail_on(plan: str, fail_on: str, exit_code: int) -> None:
    done = ppmi("review", PLANS / f"{plan}.plan.json", "--fail-on", fail_on)
    assert done.returncode == exit_code, done.stdout + done.stderr


def test_medium_risk_fails_only_from_medium(tmp_path: Path) -> None:
    document = json.loads((PLANS / "create.plan.json").read_text())
    policy = next(c for c in document["resource_changes"] if c["type"] == "azurerm_key_vault_access_policy")
    policy["change"]["after"]["secret_permissions"] = ["Get", "Set"]
    plan = tmp_path / "widened.plan.json"
    plan.write_text(json.dumps(document))
    assert ppmi("review", plan).returncode == 0
    assert ppmi("review", plan, "--fail-on", "medium").returncode == 1
    assert ppmi("review", plan, "--fail-on", "never").returncode == 0


def test_json_is_one_envelope_with_the_review_as_result() -> None:
    done = ppmi("review", PLANS / "credential_update.plan.json", "--format", "json", "--config", CONFIG)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["command"] == "review" and document["exit_code"] == 1 and document["ok"] is False
    result = document["result"]
    assert result["risk_counts"] == {"high": 3, "medium": 1, "low": 0}
    (stack,) = result["stacks"]
    credentials = {c["address"]: c for c in stack["federated_credentials"]}
    prod = credentials["azurerm_federated_identity_credential.fic_reader_prod-selfsigned-v2"]
    assert prod["action"] == "update"
    assert prod["formats"] == ["v1"] and prod["environment"] == "prod" and prod["cloud"] == "public"
    assert prod["claim_changes"][0]["claim"] == "subject"
    by_code = {f["code"]: f for f in document["findings"]}
    assert by_code["review.credential_changed"]["severity"] == "error"
    assert by_code["review.broad_secret_permissions"]["severity"] == "warning"
    assert by_code["review.record_version_mismatch"]["context"]["address"] == "powerplatform_data_record.record_reader_prod"


def test_markdown_starts_with_summary_table_and_folds_details() -> None:
    done = ppmi("review", PLANS / "identity_replaced.plan.json")
    lines = done.stdout.splitlines()
    assert lines[0] == "## ppmi review"
    assert lines[4].startswith("| severity | code |")
    assert "| **high** | `review.identity_replaced` |" in done.stdout
    assert done.stdout.count("<details>") == done.stdout.count("</details>") >= 4
    assert "**replace**" in done.stdout


def test_sensitive_values_are_never_printed(tmp_path: Path) -> None:
    for output_format in ("markdown", "json"):
        done = ppmi("review", PLANS / "terraform_data.plan.json", "--format", output_format)
        assert "new-secret-value" not in done.stdout
    document = json.loads((PLANS / "credential_update.plan.json").read_text())
    credential = next(c for c in document["resource_changes"] if c["change"]["actions"] == ["update"] and "subject" in c["change"]["after"])
    credential["change"]["before_sensitive"] = {"subject": True}
    credential["change"]["after_sensitive"] = {"subject": True}
    secret_subjects = {credential["change"]["before"]["subject"], credential["change"]["after"]["subject"]}
    plan = tmp_path / "sensitive.plan.json"
    plan.write_text(json.dumps(document))
    for output_format in ("markdown", "json"):
        done = ppmi("review", plan, "--format", output_format)
        assert "(sensitive)" in done.stdout
        assert not any(subject in done.stdout for subject in secret_subjects)


def test_unknown_values_read_known_after_apply() -> None:
    done = ppmi("review", PLANS / "create.plan.json")
    assert "_(known after apply)_" in done.stdout


def test_same_input_gives_identical_output() -> None:
    first = ppmi("review", PLANS / "credential_update.plan.json", "--format", "json", "--config", CONFIG)
    second = ppmi("review", PLANS / "credential_update.plan.json", "--format", "json", "--config", CONFIG)
    assert first.stdout == second.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("review", "no/such/plan.json"), "review.input_not_found"),
        (("review", PLANS / "terraform_data" / "main.tf"), "review.unreadable_input"),
        (("review", PLANS / "create.plan.json", "--config", "no/such/ppmi.yaml"), None),
        (("review", PLANS / "create.plan.json", "--fail-on", "low"), "usage.invalid"),
    ],
)
def test_input_problems_exit_2_with_one_json_document(args: tuple, code: str | None) -> None:
    done = ppmi(*args, "--format", "json")
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["exit_code"] == 2
    if code:
        assert [f["code"] for f in document["findings"]] == [code]


def test_synthesized_example_reviews_clean(synth_out: Path) -> None:
    done = ppmi("review", synth_out, "--config", CONFIG, "--format", "json", "--fail-on", "medium")
    assert done.returncode == 0, done.stdout
    result = json.loads(done.stdout)["result"]
    assert result["risks"] == []
    stacks = {s["name"]: s for s in result["stacks"]}
    assert set(stacks) == {"contoso", "fabrikam"}
    contoso = stacks["contoso"]
    assert all(c["action"] == "create" for c in contoso["federated_credentials"])
    assert {c["environment"] for c in contoso["federated_credentials"]} >= {"prod", "test"}
    assert all(c["identity"] for c in contoso["federated_credentials"])
    assert all(g["identity"] for g in contoso["key_vault_grants"])
    assert all(d["identity"] for d in contoso["dataverse"])


def test_synthesized_stack_folder_and_file(synth_out: Path) -> None:
    folder = ppmi("review", synth_out / "stacks" / "contoso", "--format", "json")
    file = ppmi("review", synth_out / "stacks" / "contoso" / "cdk.tf.json", "--format", "json")
    assert [s["name"] for s in json.loads(folder.stdout)["result"]["stacks"]] == ["contoso"]
    assert json.loads(folder.stdout)["result"]["stacks"][0]["identities"] == json.loads(file.stdout)["result"]["stacks"][0]["identities"]


def test_readme_example_is_the_real_output() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## ppmi review") :]
    example = section[section.index("````markdown\n") + len("````markdown\n") :]
    example = example[: example.index("````")]
    done = ppmi("review", "tests/fixtures/plans/identity_replaced.plan.json", "--config", "examples/ppmi.yaml")
    assert done.returncode == 1
    assert done.stdout == example


def test_review_never_loads_the_cdk_runtime() -> None:
    probe = (
        "import sys; from ppmi.cli import main; "
        "main(['review', 'tests/fixtures/plans/create.plan.json', '--format', 'json']); "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'constructs', 'stacks')]; "
        "sys.stderr.write(repr(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stderr == "[]"
