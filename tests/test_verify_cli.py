"""``ppmi verify`` through the real entry point: a YAML config, the local services, text and JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppmi import exit_codes
from ppmi.cli import main
from tests.test_verify import (
    ASSEMBLY_ID,
    IDENTITY_PATH,
    PACKAGE_ID,
    POLICY_VAULT_ID,
    PROD_CREDENTIAL,
    PROD_ID,
    RBAC_VAULT_ID,
    RECORD_ID,
    SUBSCRIPTION_ID,
    TENANT_ID,
    TEST_ID,
    arm_credential,
    services,  # noqa: F401  (the fixture)
)
from tests.verify_server import FakeServices

PPMI = Path(sys.executable).parent / "ppmi"


def write_config(directory: Path, dataverse_url: str) -> Path:
    path = directory / "ppmi.yaml"
    path.write_text(
        f"""version: 1
tenants:
  contoso:
    tenant_id: {TENANT_ID}
    subscription_id: {SUBSCRIPTION_ID}
environments:
  prod: {{tenant: contoso, environment_id: {PROD_ID}, url: "{dataverse_url}"}}
  test: {{tenant: contoso, environment_id: {TEST_ID}}}
certificates:
  plugins: {{match: hash, sha256: "{'3f' * 32}"}}
identities:
  reader:
    tenant: contoso
    kind: user_assigned_identity
    name: id-ppmi-reader
    resource_group_name: rg-ppmi
    location: westeurope
    environments: [prod, test]
    certificates: [plugins]
    dataverse:
      prod:
        record_id: {RECORD_ID}
        plugin_assemblies: [{ASSEMBLY_ID}]
        plugin_packages: [{PACKAGE_ID}]
  app:
    tenant: contoso
    kind: app_registration
    name: ppmi-app
    environments: [test]
    certificates: [plugins]
key_vaults:
  legacy: {{tenant: contoso, key_vault_id: "{POLICY_VAULT_ID}", authorization: access_policy, grants: {{app: {{}}}}}}
  shared: {{tenant: contoso, key_vault_id: "{RBAC_VAULT_ID}", authorization: rbac, grants: {{reader: {{}}}}}}
""",
        encoding="utf-8",
    )
    return path


def arguments(services: FakeServices, config: Path, *extra: str) -> list[str]:
    return [
        "verify",
        str(config),
        "--credential",
        "workload-identity",
        "--arm-endpoint",
        services.url("arm"),
        "--graph-endpoint",
        services.url("graph"),
        "--authority-host",
        services.authority_host,
        "--retry-backoff",
        "0.001",
        *extra,
    ]


def test_text_output_lists_every_check_and_passes(
    services: FakeServices, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, services.url("dataverse"))
    assert main(arguments(services, config)) == exit_codes.OK
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("PASS  identities.app  app registration ppmi-app exists")
    assert lines[-1] == "verify: 16 checks, 14 passed, 0 failed, 0 warned, 2 skipped"
    assert "verify: identity reader: reading user_assigned_identity id-ppmi-reader" in captured.err


def test_json_output_is_one_envelope_with_the_failures_and_their_fixes(
    services: FakeServices, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services.cloud.put_collection(
        "arm",
        f"{IDENTITY_PATH}/federatedIdentityCredentials",
        [arm_credential(PROD_CREDENTIAL, subject=PROD_CREDENTIAL.subject.upper())],
    )
    config = write_config(tmp_path, services.url("dataverse"))
    assert main(arguments(services, config, "--format", "json", "--identity", "reader")) == exit_codes.FINDINGS
    document = json.loads(capsys.readouterr().out)
    assert document["command"] == "verify" and document["exit_code"] == 1 and document["ok"] is False
    assert document["result"]["counts"] == {"pass": 7, "fail": 2, "warn": 0, "skipped": 1}
    assert [(f["code"], f["location"]) for f in document["findings"]] == [
        ("verify.credential_case_mismatch", "identities.reader.federated_credentials.prod-plugins"),
        ("verify.credential_missing", "identities.reader.federated_credentials.test-plugins"),
    ]
    assert all(f["hint"] for f in document["findings"])


def test_unknown_identity_is_a_usage_error(
    services: FakeServices, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, services.url("dataverse"))
    assert main(arguments(services, config, "--identity", "nobody", "--format", "json")) == exit_codes.USAGE
    document = json.loads(capsys.readouterr().out)
    assert document["findings"][0]["code"] == "usage.invalid"
    assert services.cloud.requests == []


def test_entry_point_exit_3_without_traceback_and_without_secrets(services: FakeServices, tmp_path: Path) -> None:
    config = write_config(tmp_path, services.url("dataverse"))
    environment = dict(os.environ)
    environment.pop("AZURE_FEDERATED_TOKEN_FILE")
    completed = subprocess.run(
        [str(PPMI), *arguments(services, config, "--format", "json")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert completed.returncode == exit_codes.ENVIRONMENT, completed.stderr
    document = json.loads(completed.stdout)
    assert document["findings"][0]["code"] == "verify.authentication_failed"
    assert "WorkloadIdentityCredential" in document["findings"][0]["message"]
    assert "Traceback" not in completed.stderr + completed.stdout


def test_entry_point_all_pass_prints_no_token(services: FakeServices, tmp_path: Path) -> None:
    config = write_config(tmp_path, services.url("dataverse"))
    completed = subprocess.run(
        [str(PPMI), *arguments(services, config)], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    assert completed.returncode == exit_codes.OK, completed.stdout + completed.stderr
    assert services.cloud.issued_tokens
    output = completed.stdout + completed.stderr
    assert not any(token in output for token in services.cloud.issued_tokens)
    assert Path(os.environ["AZURE_FEDERATED_TOKEN_FILE"]).read_text() not in output
