"""The loader: marks, determinism, JSON input, the model it builds, and that nothing makes it raise."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config_cases import EXAMPLE, ROOT, apply, example_data
from validators.config import load_config, load_config_text
from validators.fic import FicFormat
from validators.model import IdentityKind, VaultAuthorization


def _load(data: dict):
    return load_config_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_example_loads_without_findings() -> None:
    result = load_config(EXAMPLE)
    assert result.findings == []
    config = result.config
    assert config is not None
    assert list(config.tenants) == ["contoso", "fabrikam"]
    reader = config.identities["reader"]
    assert reader.kind is IdentityKind.USER_ASSIGNED_IDENTITY
    assert reader.fic_formats == (FicFormat.V2,) and reader.record_version == 2
    assert [c.name for c in reader.credentials] == [
        "prod-ca-issued-v2",
        "prod-selfsigned",
        "test-ca-issued-v2",
        "test-selfsigned",
    ]
    assert config.key_vaults["contoso-secrets"].authorization is VaultAuthorization.RBAC
    assert config.key_vaults["fabrikam-secrets"].grants[0].secret_permissions == ("Get",)
    fabrikam = config.identities["fabrikam-reader"].credentials[0]
    assert fabrikam.issuer == "https://login.microsoftonline.us/d6f1b7a2-3c4e-4f5a-8b9c-0d1e2f3a4b5c/v2.0"
    assert fabrikam.audience == "api://AzureADTokenExchangeUSGov"
    assert fabrikam.subject.startswith("/eid1/c/usg/t/")


def test_example_subject_uses_documented_tenant_encoding() -> None:
    config = load_config(EXAMPLE).config
    assert config is not None
    credential = config.identities["reader"].credentials[1]
    assert credential.subject.startswith(
        "/eid1/c/pub/t/nxqKXxouX0GxDITDc2ohuQ/a/qzXoWDkuqUa3l6zM5mM0Rw/n/plugin/e/92e1c10d-0b34-e28b-a4a8-7e3630f46a06/h/"
    )


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = list(value)
        rng.shuffle(items)
        return items
    return value


def test_reordering_maps_and_lists_gives_the_same_model() -> None:
    data = example_data()
    reference = _load(data).config
    for seed in range(5):
        shuffled = _shuffled(data, random.Random(seed))
        assert _load(shuffled).config == reference


def test_findings_carry_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ppmi.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "environment_id: 3b7c2a9e-5d41-4f6a-9c83-1e2f4a5b6c7d", "environment_id: 3B7C2A9E-5D41-4F6A-9C83-1E2F4A5B6C7D"
    )
    path.write_text(text, encoding="utf-8")
    (tmp_path / "certs").symlink_to(EXAMPLE.parent / "certs")
    finding = load_config(path).findings[0]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "3B7C2A9E" in row)
    assert finding.code == "guid.not_canonical"
    assert finding.location == "environments.test.environment_id"
    assert (finding.mark.file, finding.mark.line, finding.mark.column) == (str(path), line, 21)


def test_all_findings_are_reported_at_once() -> None:
    data = apply(
        example_data(),
        {
            "set": {
                "tenants.contoso.tenant_id": "nope",
                "environments.prod.environment_id": "92E1C10D-0B34-E28B-A4A8-7E3630F46A06",
                "identities.reader.location": "malaysiasouth",
                "key_vaults.fabrikam-secrets.grants.fabrikam-reader.secret_permissions": ["Get", "Purge"],
            }
        },
    )
    codes = {f.code for f in _load(data).findings}
    assert {"guid.invalid", "guid.not_canonical", "identity.region_unsupported", "keyvault.broad_secret_permissions"} <= codes


def test_json_config_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ppmi.json"
    path.write_text(json.dumps(example_data(), indent=2), encoding="utf-8")
    result = load_config(path)
    assert result.findings == [] and result.config is not None
    assert result.config.identities == load_config(EXAMPLE).config.identities


def test_transitional_upgrade_state_is_valid() -> None:
    data = apply(example_data(), {"set": {"identities.reader.fic_formats": ["v1", "v2"], "identities.reader.record_version": 1}})
    result = _load(data)
    assert result.config is not None, result.findings
    reader = result.config.identities["reader"]
    assert reader.record_version == 1
    by_name = {c.name: c for c in reader.credentials}
    assert sorted(by_name) == [
        "prod-ca-issued-v1", "prod-ca-issued-v2", "prod-selfsigned",
        "test-ca-issued-v1", "test-ca-issued-v2", "test-selfsigned",
    ]
    assert by_name["prod-selfsigned"].fic_formats == (FicFormat.V1, FicFormat.V2)
    assert by_name["prod-ca-issued-v1"].fic_formats == (FicFormat.V1,)
    assert "/i/Contoso Issuing CA/s/Contoso Plugins" in by_name["prod-ca-issued-v1"].subject


_TEXT_PATHS = [
    "tenants.contoso.tenant_id",
    "environments.prod.environment_id",
    "environments.prod.url",
    "certificates.fabrikam-signing.sha256",
    "identities.reader.name",
    "identities.reader.location",
    "key_vaults.contoso-secrets.key_vault_id",
    "identities.reader.dataverse.prod.record_id",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_TEXT_PATHS), value=st.one_of(st.text(max_size=80), st.integers(), st.none(), st.booleans()))
def test_no_value_makes_the_loader_raise(path: str, value: object) -> None:
    result = _load(apply(example_data(), {"set": {path: value}}))
    assert result.config is not None or any(f.is_error for f in result.findings)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_no_text_makes_the_loader_raise(text: str) -> None:
    result = load_config_text(text)
    assert result.config is None
    assert result.findings


def test_validate_never_imports_the_cdk_nor_starts_node() -> None:
    """`ppmi validate` imports neither jsii, the CDK, stacks nor the Azure SDK, and starts no process.

    Its speed is measured by bench/validate.py, not here.
    """
    probe = (
        "import sys, subprocess\n"
        "started = []\n"
        "original = subprocess.Popen.__init__\n"
        "def spy(self, *a, **k):\n"
        "    started.append(a[0] if a else k.get('args'))\n"
        "    return original(self, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "from ppmi.cli import main\n"
        f"code = main(['validate', {str(EXAMPLE)!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'cdktf', 'cdktn', 'constructs', 'stacks', 'azure'))\n"
        "print('RESULT', code, heavy, started)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "RESULT 0 [] []"


def test_readme_shows_the_real_validate_output() -> None:
    """The README's example run is what `ppmi validate examples/mistakes.yaml` prints, word for word."""
    out = subprocess.run(
        [sys.executable, "-m", "ppmi.cli", "validate", "examples/mistakes.yaml"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 1
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"$ ppmi validate examples/mistakes.yaml\n{out.stdout}$ echo $?\n1\n" in readme
