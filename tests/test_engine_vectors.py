"""Golden vectors from Microsoft's documentation and the bad-value corpus, each read by one runner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from validators.certificates import certificate_from_values
from validators.clouds import CLOUDS
from validators.decode import check_credential, decode_audience, decode_issuer, decode_subject
from validators.dn import _OID_BY_DOTNET_NAME, dotnet_dn, parse_dn
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic, dn_hash, v0_issuer
from validators.findings import Severity
from validators.tenant import decode_guid, encode_guid

VECTORS = Path(__file__).parent / "vectors"
GOLDEN = yaml.safe_load((VECTORS / "golden.yaml").read_text(encoding="utf-8"))
BAD = yaml.safe_load((VECTORS / "bad_values.yaml").read_text(encoding="utf-8"))["cases"]


def _golden_cases() -> list[tuple[str, dict[str, object]]]:
    return [(section, case) for section, cases in GOLDEN.items() for case in cases]


def _name_from_rendering(rendered: str) -> x509.Name:
    parsed = parse_dn(rendered)
    assert parsed is not None
    rdns = []
    for rdn in reversed(parsed.rdns):
        attributes = []
        for name, value in rdn:
            dotted = name[4:] if name.startswith("OID.") else _OID_BY_DOTNET_NAME[name.upper()]
            attributes.append(x509.NameAttribute(x509.ObjectIdentifier(dotted), value))
        rdns.append(x509.RelativeDistinguishedName(attributes))
    return x509.Name(rdns)


@pytest.mark.parametrize(("section", "case"), _golden_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_golden(section: str, case: dict[str, object]) -> None:
    if section == "tenant_encoding":
        assert encode_guid(str(case["guid"])) == case["encoded"]
        assert str(decode_guid(str(case["encoded"]))) == case["guid"]
    elif section == "v0_issuer":
        assert v0_issuer(str(case["environment_id"])) == case["issuer"]
        assert decode_issuer(str(case["issuer"])).environment_id == case["environment_id"]
    elif section == "dn_hash":
        assert dn_hash(str(case["dn"])) == case["hash"]
    elif section == "clouds":
        cloud = CLOUDS[str(case["cloud"])]
        assert (cloud.audience, cloud.issuer_base, cloud.subject_prefix) == (
            case["audience"], case["issuer_base"], case["subject_prefix"]
        )
    elif section == "credentials":
        certificate = dict(case["certificate"])  # type: ignore[arg-type]
        identity = CertificateIdentity(match=CertificateMatch(certificate.pop("match")), **certificate)
        built = build_fic(
            FicFormat(case["fic_format"]), str(case["cloud"]), str(case["tenant_id"]), str(case["environment_id"]),
            identity,
        )
        assert (built.issuer, built.subject, built.audience) == (case["issuer"], case["subject"], case["audience"])
        fic_format = FicFormat(case["fic_format"])
        errors = [
            f for f in check_credential(built.issuer, built.subject, built.audience, fic_format.record_version)
            if f.is_error
        ]
        assert errors == []
    elif section == "dotnet_dn":
        assert dotnet_dn(_name_from_rendering(str(case["rendered"]))) == case["rendered"]
    else:
        pytest.fail(f"unknown golden section {section}")


def _findings_for(case: dict[str, object]) -> list:
    kind, given = case["kind"], case["input"]
    if kind == "subject":
        return list(decode_subject(str(given)).findings)
    if kind == "issuer":
        return list(decode_issuer(str(given)).findings)
    if kind == "audience":
        return list(decode_audience(str(given)).findings)
    if kind == "credential":
        assert isinstance(given, dict)
        return check_credential(given["issuer"], given["subject"], given["audience"], given.get("record_version"))
    if kind == "certificate":
        assert isinstance(given, dict)
        _, findings = certificate_from_values(
            given.get("match"), given.get("sha256"), given.get("thumbprint"), given.get("issuer_dn"),
            given.get("subject_dn"),
        )
        return findings
    raise AssertionError(f"unknown kind {kind}")


def test_bad_value_corpus_is_large_and_distinct() -> None:
    assert len(BAD) >= 60
    assert len({case["name"] for case in BAD}) == len(BAD)


@pytest.mark.parametrize("case", BAD, ids=[case["name"] for case in BAD])
def test_rejects_bad_value(case: dict[str, object]) -> None:
    findings = _findings_for(case)
    matching = [f for f in findings if f.code == case["code"]]
    assert matching, f"expected {case['code']}, got {[f.code for f in findings]}"
    assert matching[0].severity is Severity(case.get("severity", "error"))
    assert matching[0].hint
    if "location" in case:
        assert matching[0].location == case["location"]


def test_every_corpus_code_is_documented() -> None:
    documented = set(re.findall(r"^## (\S+)", (VECTORS.parent.parent / "docs" / "errors.md").read_text("utf-8"), re.M))
    assert {case["code"] for case in BAD} - documented == set()
