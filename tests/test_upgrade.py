"""ppmi upgrade through the real entry point: the three phases, auto detection, the 20 limit, idempotent writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ppmi.cli import main
from validators.config import load_config
from validators.fic import FicFormat

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "clone" / "v1.yaml"


@pytest.fixture
def v1_config(tmp_path: Path) -> Path:
    target = tmp_path / "ppmi.yaml"
    shutil.copyfile(FIXTURE, target)
    return target


def upgrade(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, object]]:
    code = main(["upgrade", str(config), "--to", "v2", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def state(config: Path, identity: str) -> tuple[tuple[str, ...], int, int]:
    loaded = load_config(config)
    assert loaded.config is not None, [f.message for f in loaded.findings]
    found = loaded.config.identities[identity]
    return tuple(f.value for f in found.fic_formats), found.record_version, len(found.credentials)


PHASES = [
    ("1", ("v1", "v2"), 1, 4),
    ("2", ("v1", "v2"), 2, 4),
    ("3", ("v2",), 2, 2),
]


def test_three_phases_in_order_each_loadable(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert state(v1_config, "ca-reader") == (("v1",), 1, 2)
    for phase, formats, record_version, credentials in PHASES:
        code, document = upgrade(capsys, v1_config, "--identity", "ca-reader", "--phase", phase, "--write")
        assert code == 0, document["findings"]
        [step] = document["result"]["plan"]["identities"]
        assert step["applied_phase"] == int(phase)
        assert step["credentials_after"] == credentials
        assert state(v1_config, "ca-reader") == (formats, record_version, credentials)
    text = v1_config.read_text()
    assert "# A team still on the v1 credential format.\n" in text
    assert "  fic_format: v1   # everything here predates v2\n" in text
    assert "  # the CA-signed plug-ins\n  ca-reader:\n" in text
    assert "\n# vaults last\nkey_vaults:\n" in text
    assert "    fic_formats: [v2]\n    record_version: 2\n    environments: [prod, test]\n" in text


def test_phase_two_says_what_to_verify(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(capsys, v1_config, "--phase", "1", "--write")
    code = main(["upgrade", str(v1_config), "--to", "v2", "--identity", "ca-reader"])
    out = capsys.readouterr().out
    assert code == 0
    assert "phase 2: set record_version 2" in out
    assert "ppmi verify CONFIG" in out and "AcquireToken" in out
    assert "managedidentities(<managedidentityid>) {\"version\": 2}" in out
    assert "-    record_version: 1\n+    record_version: 2\n" in out


def test_auto_detects_each_identitys_next_phase(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected_next = ["1", "2", "3", "done"]
    for next_phase in expected_next:
        code, document = upgrade(capsys, v1_config, "--write")
        assert code == 0, document["findings"]
        steps = {s["identity"]: s for s in document["result"]["plan"]["identities"]}
        assert {s["next_phase"] for s in steps.values()} == {next_phase}
        assert document["result"]["written"] is (next_phase != "done")


def test_self_signed_credentials_are_shared_by_both_formats(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for phase in ("1", "2", "3"):
        code, document = upgrade(capsys, v1_config, "--identity", "ss-reader", "--phase", phase, "--write")
        assert code == 0, document["findings"]
        assert document["result"]["plan"]["identities"][0]["credentials_after"] == 1
    assert state(v1_config, "ss-reader") == (("v2",), 2, 1)
    assert "    fic_formats:\n      - v2\n    record_version: 2\n" in v1_config.read_text()


def test_phase_one_says_when_there_is_nothing_to_deploy(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, document = upgrade(capsys, v1_config, "--phase", "1")
    notes = {step["identity"]: " ".join(step["notes"]) for step in document["result"]["plan"]["identities"]}
    assert "No credential to add" in notes["ss-reader"]
    assert "Deploy stack contoso" in notes["ca-reader"]


@pytest.mark.parametrize("phase", ["1", "2", "3"])
def test_write_is_idempotent(v1_config: Path, capsys: pytest.CaptureFixture[str], phase: str) -> None:
    for earlier in range(1, int(phase)):
        upgrade(capsys, v1_config, "--phase", str(earlier), "--write")
    upgrade(capsys, v1_config, "--phase", phase, "--write")
    once = v1_config.read_bytes()
    mtime = v1_config.stat().st_mtime_ns
    code, document = upgrade(capsys, v1_config, "--phase", phase, "--write")
    assert code == 0
    assert document["result"]["diff"] == "" and document["result"]["written"] is False
    assert v1_config.read_bytes() == once and v1_config.stat().st_mtime_ns == mtime


def test_rejects_a_phase_out_of_order(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = v1_config.read_bytes()
    code, document = upgrade(capsys, v1_config, "--identity", "ca-reader", "--phase", "3", "--write")
    assert code == 1
    [finding] = document["findings"]
    assert finding["code"] == "upgrade.out_of_order"
    assert "--phase 1" in finding["hint"]
    assert v1_config.read_bytes() == before


def test_rejects_an_unknown_identity(v1_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = upgrade(capsys, v1_config, "--identity", "nobody")
    assert code == 1
    assert [f["code"] for f in document["findings"]] == ["upgrade.unknown_identity"]


def _many_ca_certificates(tmp_path: Path, environments: int, certificates: int) -> Path:
    lines = [
        "version: 1",
        "settings: {fic_format: v1}",
        "tenants:",
        "  contoso: {tenant_id: 5f8a1a9f-2e1a-415f-b10c-84c3736a21b9}",
        "environments:",
        *(f"  env{i}: {{tenant: contoso, environment_id: 00000000-0000-4000-8000-{i:012d}}}" for i in range(environments)),
        "certificates:",
    ]
    for index in range(certificates):
        lines.append(
            f"  ca{index}: {{match: issuer_subject, issuer_dn: 'CN=Issuing CA {index}, O=Contoso', "
            f"subject_dn: 'CN=Plugins {index}, O=Contoso'}}"
        )
    lines += [
        "identities:",
        "  reader:",
        "    tenant: contoso",
        "    kind: app_registration",
        "    name: reader-app",
        f"    environments: [{', '.join(f'env{i}' for i in range(environments))}]",
        f"    certificates: [{', '.join(f'ca{i}' for i in range(certificates))}]",
    ]
    path = tmp_path / f"many-{environments}x{certificates}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_refuses_to_exceed_twenty_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _many_ca_certificates(tmp_path, environments=6, certificates=2)
    assert state(path, "reader")[2] == 12
    before = path.read_bytes()
    code, document = upgrade(capsys, path, "--write")
    assert code == 1
    [finding] = document["findings"]
    assert finding["code"] == "upgrade.credential_limit"
    assert "24" in finding["message"] and "12 now" in finding["message"]
    assert "second identity" in finding["hint"]
    assert path.read_bytes() == before


def test_exactly_twenty_credentials_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _many_ca_certificates(tmp_path, environments=5, certificates=2)
    code, document = upgrade(capsys, path, "--write")
    assert code == 0, document["findings"]
    assert state(path, "reader") == (("v1", "v2"), 1, 20)


def test_identities_on_v2_only_are_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "ppmi.yaml"
    code, document = upgrade(capsys, example)
    assert code == 0
    assert {s["next_phase"] for s in document["result"]["plan"]["identities"]} == {"done"}
    assert document["result"]["diff"] == ""


def test_transitional_states_validate(v1_config: Path) -> None:
    text = v1_config.read_text().replace(
        "    location: westeurope\n", "    location: westeurope\n    fic_formats: [v1, v2]\n    record_version: 2\n", 1
    )
    v1_config.write_text(text)
    loaded = load_config(v1_config)
    assert loaded.config is not None
    reader = loaded.config.identities["ca-reader"]
    assert reader.record_version == 2
    assert {c.fic_format for c in reader.credentials} == {FicFormat.V1, FicFormat.V2}
