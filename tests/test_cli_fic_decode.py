"""``ppmi fic`` and ``ppmi decode`` through the real entry point: text, JSON envelope and exit codes."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ppmi.cli import main

TENANT = "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9"
ENVIRONMENT = "92e1c10d-0b34-e28b-a4a8-7e3630f46a06"
SHA256 = "44f8f72602956c583c25c88f3807022770201bc3e53232a492d69d515617cef0"
ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
SUBJECT = f"/eid1/c/pub/t/nxqKXxouX0GxDITDc2ohuQ/a/qzXoWDkuqUa3l6zM5mM0Rw/n/plugin/e/{ENVIRONMENT}/h/{SHA256}"
CONFIG = f"""\
version: 1
tenants:
  contoso:
    tenant_id: {TENANT}
    subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590
environments:
  prod:
    tenant: contoso
    environment_id: {ENVIRONMENT}
certificates:
  signing:
    match: hash
    sha256: {SHA256}
identities:
  reader:
    tenant: contoso
    kind: app_registration
    name: ppmi-reader
    environments: [prod]
    certificates: [signing]
"""


@pytest.fixture()
def config(tmp_path: Path) -> str:
    path = tmp_path / "ppmi.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


def ppmi(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def ppmi_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code, out = ppmi(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def test_fic_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = ppmi(capsys, "fic", "--tenant-id", TENANT, "--environment-id", ENVIRONMENT, "--cert-sha256", SHA256)
    assert code == 0
    assert out.splitlines() == [f"issuer:   {ISSUER}", f"subject:  {SUBJECT}", "audience: api://AzureADTokenExchange"]


def test_fic_json_result_has_exactly_three_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = ppmi_json(
        capsys, "fic", "--tenant-id", TENANT, "--environment-id", ENVIRONMENT, "--cert-sha256", SHA256.upper()
    )
    assert code == 0 and document["ok"] is True
    assert document["result"] == {"issuer": ISSUER, "subject": SUBJECT, "audience": "api://AzureADTokenExchange"}


def test_fic_from_certificate_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Contoso Plugins")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Contoso, Issuing CA")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer).public_key(key.public_key())
        .serial_number(7).not_valid_before(datetime.datetime(2020, 1, 1))
        .not_valid_after(datetime.datetime(2040, 1, 1)).sign(key, hashes.SHA256())
    )
    path = tmp_path / "plugin.cer"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
    code, document = ppmi_json(
        capsys, "fic", "--tenant-id", TENANT, "--environment-id", ENVIRONMENT, "--certificate", str(path),
        "--fic-format", "v1",
    )
    assert code == 0
    assert str(document["result"]["subject"]).endswith("/i/Contoso, Issuing CA/s/Contoso Plugins")  # type: ignore[index]
    assert [f["code"] for f in document["findings"]] == ["certificate.v1_cn_comma"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("argv", "exit_code", "code"),
    [
        (["--cert-sha256", "a1" * 20], 1, "certificate.sha1_as_sha256"),
        (["--thumbprint", "A1" * 20], 1, "certificate.missing_hash"),
        (["--certificate", "/nonexistent/plugin.cer"], 2, "certificate.unreadable"),
        (["--issuer-dn", "CN=Contoso CA"], 2, "usage.invalid"),
        (["--cert-sha256", SHA256, "--thumbprint", "A1" * 20], 2, "usage.invalid"),
    ],
)
def test_fic_failures(capsys: pytest.CaptureFixture[str], argv: list[str], exit_code: int, code: str) -> None:
    result, document = ppmi_json(capsys, "fic", "--tenant-id", TENANT, "--environment-id", ENVIRONMENT, *argv)
    assert result == exit_code == document["exit_code"]
    assert code in [f["code"] for f in document["findings"]]  # type: ignore[union-attr]
    assert document["result"] == {}


def test_fic_rejects_bad_guid(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = ppmi_json(
        capsys, "fic", "--tenant-id", TENANT.upper(), "--environment-id", ENVIRONMENT, "--cert-sha256", SHA256
    )
    assert code == 1
    assert [(f["code"], f["location"]) for f in document["findings"]] == [  # type: ignore[union-attr]
        ("guid.not_canonical", "--tenant-id")
    ]


def test_decode_text_shows_parts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = ppmi(capsys, "decode", SUBJECT)
    assert code == 0
    assert f"tenant_id       {TENANT}" in out and "sha256          " + SHA256 in out


def test_decode_json_reports_the_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = ppmi_json(capsys, "decode", SUBJECT.replace("/h/", "/hash/"))
    assert code == 1
    assert document["result"]["kind"] == "subject"  # type: ignore[index]
    assert [f["code"] for f in document["findings"]] == ["subject.hash_segment_name"]  # type: ignore[union-attr]


def test_decode_with_config_finds_the_credential(capsys: pytest.CaptureFixture[str], config: str) -> None:
    code, document = ppmi_json(capsys, "decode", SUBJECT, "--config", config)
    assert code == 0
    assert document["result"]["matches"] == [  # type: ignore[index]
        {"identity": "reader", "credential": "prod-signing", "environment": "prod",
         "certificate": "signing", "fic_format": "v2"}
    ]


def test_decode_with_config_points_at_first_difference(capsys: pytest.CaptureFixture[str], config: str) -> None:
    wrong = SUBJECT.replace("/h/44f8", "/h/44f9")
    code, document = ppmi_json(capsys, "decode", wrong, "--config", config)
    assert code == 1
    nearest = document["result"]["nearest"]  # type: ignore[index]
    assert nearest["credential"] == "prod-signing"
    assert nearest["first_difference"] == SUBJECT.index("/h/44f8") + 6
    assert (nearest["actual_character"], nearest["expected_character"]) == ("9", "8")


def test_decode_with_unreadable_config_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, document = ppmi_json(capsys, "decode", SUBJECT, "--config", str(tmp_path / "absent.yaml"))
    assert code == 2 and document["ok"] is False


def test_real_entry_point_prints_one_json_document() -> None:
    ppmi_script = Path(sys.executable).parent / "ppmi"
    completed = subprocess.run(
        [str(ppmi_script), "decode", "api://azureadtokenexchange", "--format", "json"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert [f["code"] for f in document["findings"]] == ["audience.case"]
