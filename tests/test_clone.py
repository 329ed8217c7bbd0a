"""ppmi clone through the real entry point: same tenant, new tenant, another existing tenant, refusals."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ppmi.cli import main
from validators.config import load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ppmi.yaml"
NEW_ENVIRONMENT_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"
NEW_TENANT_ID = "2d7e4c1a-9b3f-4e6d-a8c2-5f1b0e9d7c63"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A writable copy of the example config next to its certificates."""
    shutil.copytree(EXAMPLE.parent / "certs", tmp_path / "certs")
    target = tmp_path / "ppmi.yaml"
    shutil.copyfile(EXAMPLE, target)
    return target


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["clone", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def clone_args(config: Path, *extra: str, to: str = "uat", environment_id: str = NEW_ENVIRONMENT_ID) -> list[str]:
    return [str(config), "--environment", "prod", "--to", to, "--environment-id", environment_id, *extra]


def removed_lines(before: str, after: str) -> list[str]:
    """Lines of ``before`` missing from ``after`` (in order): none means comments, key order and values kept."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]


def only_insertions(before: str, after: str) -> bool:
    return removed_lines(before, after) == []


def test_same_tenant_adds_the_environment_to_every_identity_that_serves_the_source(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = example.read_text()
    code, document = run_json(capsys, *clone_args(example, "--url", "https://contoso-uat.crm.dynamics.com", "--write"))
    assert code == 0, document["findings"]
    result = document["result"]
    assert result["written"] is True
    assert result["plan"]["cross_tenant"] is False
    assert [i["identity"] for i in result["plan"]["identities"]] == ["reader"]
    assert result["plan"]["identities"][0]["credentials_after"] == 6
    assert [r["action"] for r in result["plan"]["records"]] == ["fill_in"]
    assert "dataverse.uat" in result["plan"]["records"][0]["text"]
    after = example.read_text()
    assert removed_lines(before, after) == ["    environments: [prod, test]"]
    assert "    environments: [prod, test, uat]\n" in after
    loaded = load_config(example)
    assert loaded.config is not None
    reader = loaded.config.identities["reader"]
    assert "uat" in reader.environment_keys
    assert [b.environment_key for b in reader.dataverse] == ["prod"], "record GUIDs of prod are not copied"
    uat = loaded.config.environments["uat"]
    assert (uat.tenant_key, uat.environment_id, uat.url) == ("contoso", NEW_ENVIRONMENT_ID, "https://contoso-uat.crm.dynamics.com")
    assert {c.name for c in reader.credentials if c.environment_key == "uat"} == {
        "uat-selfsigned",
        "uat-ca-issued-v2",
    }


def test_new_tenant_gets_its_own_identity_and_manual_grant_instructions(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = example.read_text()
    code, document = run_json(
        capsys, *clone_args(example, "--tenant-id", NEW_TENANT_ID, "--tenant-key", "northwind", "--write", to="prod-nw")
    )
    assert code == 0, document["findings"]
    plan = document["result"]["plan"]
    assert (plan["tenant"], plan["new_tenant"], plan["tenant_id"]) == ("northwind", True, NEW_TENANT_ID)
    assert plan["identities"] == [
        {"source": "reader", "identity": "reader-northwind", "created": True, "credentials_before": 0, "credentials_after": 2}
    ]
    assert plan["grants"] == [
        {"identity": "reader-northwind", "source_key_vault": "contoso-secrets", "key_vault": None, "manual": True}
    ]
    assert "      reader-northwind: {}" in plan["manual_grants"][0]
    assert "    tenant: northwind" in plan["manual_grants"][0]
    record = plan["records"][0]
    assert record["action"] == "repoint"
    assert record["source_record_id"] == "6b1e1f3a-4c2d-4e5f-8a9b-0c1d2e3f4a5b"
    assert NEW_TENANT_ID in record["text"] and "identity_reader-northwind_client_id" in record["text"]
    after = example.read_text()
    assert only_insertions(before, after)
    assert "resource_group_name: rg-ppmi  # copied from reader: review for tenant northwind" in after
    config = load_config(example).config
    assert config is not None
    assert config.tenants["northwind"].cloud.name == "public"
    copy = config.identities["reader-northwind"]
    assert (copy.tenant_key, copy.name, copy.kind.value) == ("northwind", "id-ppmi-plugin-reader-northwind", "user_assigned_identity")
    assert copy.environment_keys == ("prod-nw",) and copy.certificate_keys == ("ca-issued", "selfsigned")
    assert copy.dataverse == ()
    assert all(NEW_TENANT_ID in c.issuer for c in copy.credentials)
    assert "prod-nw" not in config.identities["reader"].environment_keys


def test_derived_tenant_key_when_none_is_given(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, *clone_args(example, "--tenant-id", NEW_TENANT_ID))
    assert code == 0, document["findings"]
    assert document["result"]["plan"]["tenant"] == "tenant-2d7e4c1a"
    assert document["result"]["written"] is False


def test_existing_other_tenant_gets_a_copy_and_a_grant_on_its_vault(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(capsys, *clone_args(example, "--tenant", "fabrikam", "--write", to="fabrikam-copy"))
    assert code == 0, document["findings"]
    plan = document["result"]["plan"]
    assert plan["grants"] == [
        {"identity": "reader-fabrikam", "source_key_vault": "contoso-secrets", "key_vault": "fabrikam-secrets", "manual": False}
    ]
    assert plan["manual_grants"] == []
    config = load_config(example).config
    assert config is not None
    copy = config.identities["reader-fabrikam"]
    assert copy.tenant_key == "fabrikam"
    assert all(c.audience == "api://AzureADTokenExchangeUSGov" for c in copy.credentials)
    vault = config.key_vaults["fabrikam-secrets"]
    assert [g.identity_key for g in vault.grants] == ["fabrikam-reader", "reader-fabrikam"]
    # A second environment cloned into the same tenant reuses the copy instead of creating another.
    code, document = run_json(
        capsys, *clone_args(example, "--tenant", "fabrikam", "--write", to="fabrikam-copy2", environment_id="0f0e0d0c-0b0a-4908-8706-050403020101")
    )
    assert code == 0, document["findings"]
    assert document["result"]["plan"]["identities"][0]["created"] is False
    assert document["result"]["plan"]["grants"] == []
    config = load_config(example).config
    assert config is not None
    assert config.identities["reader-fabrikam"].environment_keys == ("fabrikam-copy", "fabrikam-copy2")


def test_dry_run_prints_a_diff_and_writes_nothing(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = example.read_bytes()
    code = main(["clone", *clone_args(example)])
    out = capsys.readouterr().out
    assert code == 0
    assert "--- a/ppmi.yaml\n+++ b/ppmi.yaml\n" in out
    assert "+  uat:\n+    tenant: contoso\n" in out
    assert "Nothing written: run again with --write" in out
    assert example.read_bytes() == before


def _limit_config(tmp_path: Path, environments: int) -> Path:
    lines = [
        "version: 1",
        "tenants:",
        "  contoso: {tenant_id: 5f8a1a9f-2e1a-415f-b10c-84c3736a21b9}",
        "environments:",
    ]
    for index in range(environments):
        lines.append(f"  env{index}: {{tenant: contoso, environment_id: 00000000-0000-4000-8000-{index:012d}}}")
    lines += ["certificates:"]
    for name in ("one", "two"):
        lines.append(f"  {name}: {{match: hash, sha256: {hashlib.sha256(name.encode()).hexdigest()}}}")
    lines += [
        "identities:",
        "  reader:",
        "    tenant: contoso",
        "    kind: app_registration",
        "    name: reader-app",
        f"    environments: [{', '.join(f'env{i}' for i in range(environments))}]",
        "    certificates: [one, two]",
    ]
    path = tmp_path / "limit.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert load_config(path).config is not None
    return path


def test_refuses_to_exceed_twenty_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _limit_config(tmp_path, environments=10)
    before = path.read_bytes()
    code, document = run_json(
        capsys, str(path), "--environment", "env0", "--to", "env10", "--environment-id", NEW_ENVIRONMENT_ID, "--write"
    )
    assert code == 1
    [finding] = document["findings"]
    assert finding["code"] == "clone.credential_limit"
    assert finding["location"] == "identities.reader.environments"
    assert "22" in finding["message"] and "second identity" in finding["hint"]
    assert path.read_bytes() == before


def test_just_under_the_limit_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _limit_config(tmp_path, environments=9)
    code, document = run_json(capsys, str(path), "--environment", "env0", "--to", "env9", "--environment-id", NEW_ENVIRONMENT_ID)
    assert code == 0, document["findings"]
    assert document["result"]["plan"]["identities"][0]["credentials_after"] == 20


REFUSALS = [
    (["--environment", "nope", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID], "clone.unknown_environment"),
    (["--environment", "prod", "--to", "test", "--environment-id", NEW_ENVIRONMENT_ID], "clone.environment_exists"),
    (["--environment", "prod", "--to", "UAT", "--environment-id", NEW_ENVIRONMENT_ID], "config.invalid_key"),
    (["--environment", "prod", "--to", "uat", "--environment-id", "not-a-guid"], "guid.invalid"),
    (["--environment", "prod", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID.upper()], "guid.not_canonical"),
    (["--environment", "prod", "--to", "uat", "--environment-id", "3b7c2a9e-5d41-4f6a-9c83-1e2f4a5b6c7d"], "clone.environment_id_in_use"),
    (["--environment", "prod", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID, "--tenant", "nowhere"], "clone.unknown_tenant"),
    (["--environment", "prod", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID, "--tenant-id", "x"], "guid.invalid"),
    (
        ["--environment", "prod", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID, "--tenant-id", NEW_TENANT_ID, "--tenant-key", "contoso"],
        "clone.tenant_exists",
    ),
    (["--environment", "prod", "--to", "uat", "--environment-id", NEW_ENVIRONMENT_ID, "--url", "contoso.crm.dynamics.com"], "clone.invalid_url"),
]


@pytest.mark.parametrize(("args", "code"), REFUSALS, ids=[code for _, code in REFUSALS])
def test_rejects_invalid_targets_and_writes_nothing(
    example: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: str
) -> None:
    before = example.read_bytes()
    mtime = example.stat().st_mtime_ns
    exit_code, document = run_json(capsys, str(example), *args, "--write")
    assert exit_code == 1
    assert code in [f["code"] for f in document["findings"]]
    assert document["result"]["written"] is False
    assert example.read_bytes() == before and example.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in example.parent.iterdir()) == ["certs", "ppmi.yaml"], "no temporary file left"


def test_tenant_key_without_tenant_id_is_a_usage_error(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, document = run_json(capsys, *clone_args(example, "--tenant-key", "northwind"))
    assert exit_code == 2
    assert document["findings"][0]["code"] == "usage.invalid"


def test_an_unreadable_config_is_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, document = run_json(capsys, *clone_args(tmp_path / "missing.yaml"))
    assert exit_code == 2
    assert document["ok"] is False


def test_json_config_is_written_back_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLE.parent / "certs", tmp_path / "certs")
    data = yaml.safe_load(EXAMPLE.read_text())
    path = tmp_path / "ppmi.json"
    path.write_text(json.dumps(data, indent=4) + "\n")
    code, document = run_json(capsys, *clone_args(path, "--write"))
    assert code == 0, document["findings"]
    written = path.read_text()
    assert json.loads(written)["identities"]["reader"]["environments"] == ["prod", "test", "uat"]
    assert written.startswith('{\n    "version": 1,\n') and written.endswith("}\n")
    assert list(json.loads(written)["environments"]) == ["prod", "uat", "test", "dev", "fabrikam-prod"]
    assert load_config(path).config is not None


def test_cloned_config_synthesizes(example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, document = run_json(capsys, *clone_args(example, "--tenant-id", NEW_TENANT_ID, "--tenant-key", "northwind", "--write"))
    assert code == 0, document["findings"]
    outdir = tmp_path / "out"
    environment = {**os.environ, "PPMI_CONFIG": str(example), "CDKTF_OUTDIR": str(outdir)}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    stack = json.loads((outdir / "stacks" / "northwind" / "cdk.tf.json").read_text())
    assert "identity_reader-northwind_client_id" in stack["output"]
