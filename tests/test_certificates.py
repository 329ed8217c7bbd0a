"""Certificate files and .NET DN rendering, with certificates generated here by ``cryptography``."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from validators.certificates import certificate_from_values, check_certificate_for_format, load_certificate_file
from validators.dn import dotnet_dn
from validators.fic import CertificateMatch, FicFormat

KEY = ec.generate_private_key(ec.SECP256R1())
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def _name(*rdns: tuple[tuple[x509.ObjectIdentifier, str], ...]) -> x509.Name:
    return x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(o, v) for o, v in rdn]) for rdn in rdns])


def _certificate(subject: x509.Name, issuer: x509.Name | None = None, expires: int = 2040) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(KEY.public_key())
        .serial_number(1234)
        .not_valid_before(datetime.datetime(2020, 1, 1))
        .not_valid_after(datetime.datetime(expires, 1, 1))
        .sign(KEY, hashes.SHA256())
    )


CONTOSO = _name(((NameOID.COUNTRY_NAME, "US"),), ((NameOID.ORGANIZATION_NAME, "Contoso Ltd"),),
                ((NameOID.COMMON_NAME, "Contoso Plugins"),))
CONTOSO_CA = _name(((NameOID.COUNTRY_NAME, "US"),), ((NameOID.ORGANIZATION_NAME, "Contoso Ltd"),),
                   ((NameOID.COMMON_NAME, "Contoso Issuing CA"),))

DN_RENDERINGS = [
    pytest.param(CONTOSO, "CN=Contoso Plugins, O=Contoso Ltd, C=US", id="doc example"),
    pytest.param(_name(((NameOID.COMMON_NAME, "Contoso, Inc."),)), 'CN="Contoso, Inc."', id="comma quoted"),
    pytest.param(_name(((NameOID.COMMON_NAME, 'Say "hi"'),)), 'CN="Say ""hi"""', id="inner quotes doubled"),
    pytest.param(_name(((NameOID.COMMON_NAME, " padded"),)), 'CN=" padded"', id="leading space quoted"),
    pytest.param(_name(((NameOID.COMMON_NAME, "a+b=c;d#e<f>"),)), 'CN="a+b=c;d#e<f>"', id="special characters"),
    pytest.param(_name(((NameOID.COMMON_NAME, "Müller Plugins"),)), "CN=Müller Plugins", id="non-ASCII unquoted"),
    pytest.param(_name(((NameOID.STATE_OR_PROVINCE_NAME, "WA"),), ((NameOID.EMAIL_ADDRESS, "it@contoso.com"),)),
                 "E=it@contoso.com, S=WA", id="S and E"),
    pytest.param(_name(((NameOID.DOMAIN_COMPONENT, "com"),), ((NameOID.DOMAIN_COMPONENT, "contoso"),),
                       ((NameOID.COMMON_NAME, "Plugins"),)), "CN=Plugins, DC=contoso, DC=com", id="DC"),
    pytest.param(_name(((NameOID.COMMON_NAME, "a"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "b"))),
                 "CN=a + OU=b", id="multi-valued RDN"),
    pytest.param(_name(((NameOID.USER_ID, "u1"),), ((NameOID.BUSINESS_CATEGORY, "Private Organization"),)),
                 "OID.2.5.4.15=Private Organization, OID.0.9.2342.19200300.100.1.1=u1", id="unknown names as OID"),
    pytest.param(_name(((NameOID.STREET_ADDRESS, "1 Main St"),), ((NameOID.SERIAL_NUMBER, "42"),),
                       ((NameOID.GIVEN_NAME, "Ann"),), ((NameOID.SURNAME, "Lee"),), ((NameOID.TITLE, "Dev"),)),
                 "T=Dev, SN=Lee, G=Ann, SERIALNUMBER=42, STREET=1 Main St", id="STREET SERIALNUMBER G SN T"),
]


@pytest.mark.parametrize(("name", "expected"), DN_RENDERINGS)
def test_dotnet_dn(name: x509.Name, expected: str) -> None:
    assert dotnet_dn(name) == expected


def test_dotnet_dn_of_a_parsed_certificate_keeps_encoded_order_within_an_rdn() -> None:
    certificate = _certificate(_name(((NameOID.ORGANIZATIONAL_UNIT_NAME, "b"), (NameOID.COMMON_NAME, "a"))))
    reloaded = x509.load_der_x509_certificate(certificate.public_bytes(serialization.Encoding.DER))
    assert dotnet_dn(reloaded.subject) == "CN=a + OU=b"  # DER sorts the SET: CN (2.5.4.3) before OU


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_der_and_pem_give_the_same_identity(tmp_path: Path) -> None:
    certificate = _certificate(CONTOSO)
    der = certificate.public_bytes(serialization.Encoding.DER)
    from_der = load_certificate_file(_write(tmp_path, "c.cer", der), now=NOW)
    from_pem = load_certificate_file(
        _write(tmp_path, "c.crt", certificate.public_bytes(serialization.Encoding.PEM)), now=NOW
    )
    assert from_der.findings == () and from_pem.findings == ()
    assert from_der.identity == from_pem.identity
    assert from_der.identity is not None
    assert from_der.identity.sha256 == hashlib.sha256(der).hexdigest()
    assert from_der.identity.thumbprint == hashlib.sha1(der).hexdigest().upper()
    assert from_der.self_signed and from_der.identity.match is CertificateMatch.HASH
    assert from_der.subject_dn == "CN=Contoso Plugins, O=Contoso Ltd, C=US"


def test_ca_issued_defaults_to_issuer_subject(tmp_path: Path) -> None:
    certificate = _certificate(CONTOSO, issuer=CONTOSO_CA)
    loaded = load_certificate_file(
        _write(tmp_path, "c.pem", certificate.public_bytes(serialization.Encoding.PEM)), now=NOW
    )
    assert loaded.identity is not None and not loaded.self_signed
    assert loaded.identity.match is CertificateMatch.ISSUER_SUBJECT
    assert loaded.issuer_dn == "CN=Contoso Issuing CA, O=Contoso Ltd, C=US"
    assert (loaded.identity.issuer_cn, loaded.identity.subject_cn) == ("Contoso Issuing CA", "Contoso Plugins")


def test_rejects_pfx_by_extension_and_by_content(tmp_path: Path) -> None:
    certificate = _certificate(CONTOSO)
    pfx = pkcs12.serialize_key_and_certificates(
        b"p", KEY, certificate, None, serialization.BestAvailableEncryption(b"secret")
    )
    for name in ("c.pfx", "c.p12", "disguised.cer"):
        loaded = load_certificate_file(_write(tmp_path, name, pfx), now=NOW)
        assert loaded.identity is None
        assert [f.code for f in loaded.findings] == ["certificate.pfx"]


def test_rejects_pem_with_private_key(tmp_path: Path) -> None:
    certificate = _certificate(CONTOSO)
    key_pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    loaded = load_certificate_file(
        _write(tmp_path, "c.pem", certificate.public_bytes(serialization.Encoding.PEM) + key_pem), now=NOW
    )
    assert loaded.identity is None and [f.code for f in loaded.findings] == ["certificate.private_key"]


@pytest.mark.parametrize("content", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_rejects_unreadable_content(tmp_path: Path, content: bytes) -> None:
    loaded = load_certificate_file(_write(tmp_path, "c.cer", content), now=NOW)
    assert loaded.identity is None and [f.code for f in loaded.findings] == ["certificate.unreadable"]


def test_rejects_missing_file(tmp_path: Path) -> None:
    loaded = load_certificate_file(tmp_path / "absent.cer", now=NOW)
    assert [f.code for f in loaded.findings] == ["certificate.unreadable"]


def test_warns_expired_and_multiple(tmp_path: Path) -> None:
    old = _certificate(CONTOSO, expires=2025)
    other = _certificate(CONTOSO_CA)
    data = old.public_bytes(serialization.Encoding.PEM) + other.public_bytes(serialization.Encoding.PEM)
    loaded = load_certificate_file(_write(tmp_path, "chain.pem", data), now=NOW)
    assert loaded.identity is not None
    assert sorted(f.code for f in loaded.findings) == ["certificate.expired", "certificate.multiple"]
    assert all(not f.is_error for f in loaded.findings)


def test_values_normalize_case_and_infer_match() -> None:
    identity, findings = certificate_from_values(None, "AB" * 32, "cd" * 20, None, None)
    assert findings == [] and identity is not None
    assert (identity.match, identity.sha256, identity.thumbprint) == (CertificateMatch.HASH, "ab" * 32, "CD" * 20)
    dn = "CN=Contoso Plugins, O=Contoso Ltd, C=US"
    identity, findings = certificate_from_values(None, None, None, "CN=Contoso Issuing CA, O=Contoso Ltd, C=US", dn)
    assert findings == [] and identity is not None
    assert identity.match is CertificateMatch.ISSUER_SUBJECT and identity.subject_cn == "Contoso Plugins"


def test_v1_ca_form_warns_on_commas_and_non_ascii() -> None:
    identity, _ = certificate_from_values(
        "issuer_subject", None, None, 'CN="Contoso, Inc.", C=US', "CN=Müller Plugins, C=DE"
    )
    assert identity is not None
    codes = [f.code for f in check_certificate_for_format(identity, FicFormat.V1)]
    assert codes == ["certificate.v1_cn_comma", "certificate.v1_cn_non_ascii"]
    assert check_certificate_for_format(identity, FicFormat.V2) == []
    assert [f.code for f in check_certificate_for_format(identity, FicFormat.V0)] == ["certificate.missing_thumbprint"]
