"""Plug-in signing certificates: read a public certificate file, or check values given by hand.

ppmi accepts no secrets: a .pfx/.p12 or a PEM with a private key is refused with the way to export
the public .cer. Values come out canonical for ``validators.fic``: SHA-256 of the DER bytes as
lower-case hex (what ``CertUtil -hashfile cert.cer SHA256`` prints), SHA-1 thumbprint upper case,
DNs as .NET renders them (``validators.dn``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from validators.digests import SHA1_SIZE, SHA256_SIZE, Spelling, read_digest
from validators.dn import ParsedDn, common_name, dotnet_dn, parse_dn
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat
from validators.findings import Finding, error, warning
from validators.values import check_invisible, invisible_characters

PKCS12_SUFFIXES = (".pfx", ".p12")
_PEM_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_EXPORT_HINT = (
    "Export the public certificate only: in PowerShell `$c = Get-PfxCertificate -FilePath cert.pfx; "
    "[IO.File]::WriteAllBytes('cert.cer', $c.RawData)`, or `openssl pkcs12 -in cert.pfx -nokeys -clcerts "
    "-out cert.pem`; then point the config at the .cer/.pem."
)


@dataclass(frozen=True)
class CertificateLoad:
    """What reading one certificate file produced; ``identity`` is None when any finding is an error."""

    identity: CertificateIdentity | None
    self_signed: bool
    findings: tuple[Finding, ...]
    not_valid_after: datetime | None = None
    subject_dn: str | None = None
    issuer_dn: str | None = None


def _refused(code: str, message: str, hint: str, path: Path) -> CertificateLoad:
    return CertificateLoad(identity=None, self_signed=False, findings=(error(code, message, hint, value=str(path)),))


def _is_pkcs12(data: bytes) -> bool:
    """PKCS#12 content under any name: it loads without a password, or fails only on the password.

    ``cryptography`` says "Invalid password or PKCS12 data" once the PKCS#12 structure was read and
    "Could not deserialize PKCS12 data" when it was not PKCS#12 at all.
    """
    try:
        pkcs12.load_key_and_certificates(data, None)
    except ValueError as exc:
        return "Invalid password" in str(exc)
    except (TypeError, NotImplementedError):
        return True
    return True


def _parse_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def certificate_identity(certificate: x509.Certificate) -> tuple[CertificateIdentity, bool]:
    """The canonical identity of a parsed certificate and whether it is self-signed (issuer == subject)."""
    der = certificate.public_bytes(Encoding.DER)
    self_signed = certificate.issuer == certificate.subject
    identity = CertificateIdentity(
        match=CertificateMatch.HASH if self_signed else CertificateMatch.ISSUER_SUBJECT,
        sha256=hashlib.sha256(der).hexdigest(),
        thumbprint=hashlib.sha1(der).hexdigest().upper(),
        issuer_dn=dotnet_dn(certificate.issuer),
        subject_dn=dotnet_dn(certificate.subject),
        issuer_cn=common_name(certificate.issuer),
        subject_cn=common_name(certificate.subject),
    )
    return identity, self_signed


def load_certificate_file(path: Path, now: datetime | None = None) -> CertificateLoad:
    """Read a DER or PEM certificate (.cer/.crt/.der/.pem); refuse PKCS#12 and private keys."""
    if path.suffix.lower() in PKCS12_SUFFIXES:
        return _refused(
            "certificate.pfx",
            f"{path.name} is a PKCS#12 file (.pfx/.p12), which holds the private key.",
            _EXPORT_HINT,
            path,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _refused(
            "certificate.unreadable",
            f"The certificate file {str(path)!r} cannot be read: {exc.strerror or exc}.",
            "Check the path (in a config, paths are relative to the config file).",
            path,
        )
    if _PEM_PRIVATE_KEY.search(data):
        return _refused(
            "certificate.private_key",
            f"{path.name} contains a private key; ppmi accepts no secrets.",
            "Keep only the -----BEGIN CERTIFICATE----- block, or export the public .cer. " + _EXPORT_HINT,
            path,
        )
    try:
        certificates = _parse_certificates(data)
        identity, self_signed = certificate_identity(certificates[0])
        not_valid_after = certificates[0].not_valid_after_utc
    except ValueError:
        if b"-----BEGIN" not in data and _is_pkcs12(data):
            return _refused(
                "certificate.pfx",
                f"{path.name} holds PKCS#12 (.pfx) content, which includes the private key.",
                _EXPORT_HINT,
                path,
            )
        return _refused(
            "certificate.unreadable",
            f"{path.name} is not an X.509 certificate in DER or PEM form.",
            "Export the signing certificate as a .cer (DER or Base-64), for example with the Windows certificate "
            "export wizard or `openssl x509 -in cert.pem -outform der -out cert.cer`.",
            path,
        )
    findings: list[Finding] = []
    if len(certificates) > 1:
        findings.append(
            warning(
                "certificate.multiple",
                f"{path.name} holds {len(certificates)} certificates; ppmi uses the first, {identity.subject_dn!r}.",
                "Keep only the plug-in signing certificate in the file.",
                value=str(path),
            )
        )
    if not_valid_after < (now or datetime.now(timezone.utc)):
        findings.append(
            warning(
                "certificate.expired",
                f"The certificate {identity.subject_dn!r} expired on {not_valid_after:%Y-%m-%d}.",
                "Renew the certificate, re-sign the plug-in and add credentials for the new certificate "
                "before removing the old ones.",
                value=str(path),
            )
        )
    return CertificateLoad(
        identity=identity,
        self_signed=self_signed,
        findings=tuple(findings),
        not_valid_after=not_valid_after,
        subject_dn=identity.subject_dn,
        issuer_dn=identity.issuer_dn,
    )


def _without_invisible(value: str) -> str:
    positions = {index for index, _ in invisible_characters(value)}
    return "".join(char for index, char in enumerate(value) if index not in positions)


def check_hex_digest(value: str, field: str) -> tuple[str | None, list[Finding]]:
    """A SHA-256 (``field == "sha256"``, lower case) or SHA-1 thumbprint (upper case) from user text."""
    is_sha256 = field == "sha256"
    expected = 64 if is_sha256 else 40
    what = "SHA-256 hash" if is_sha256 else "SHA-1 thumbprint"
    findings = [f.under(field) for f in check_invisible(value)]
    text = _without_invisible(value)
    if text != text.strip():
        findings.append(
            error(
                "certificate.whitespace",
                f"The {what} has white space around it.",
                "Remove the spaces or line breaks around the value.",
                location=field,
                value=value,
            )
        )
        text = text.strip()

    def canonical(hex_text: str) -> str:
        return hex_text.lower() if is_sha256 else hex_text.upper()

    reading = read_digest(text)
    if reading.spelling is Spelling.HEX and reading.size == expected // 2:
        return (None, findings) if findings else (canonical(text), [])
    if reading.spelling is Spelling.SEPARATED_HEX and reading.digest is not None:
        findings.append(
            error(
                "certificate.hex_separated",
                f"The {what} is written with separators between the bytes.",
                f"Write the hex digits without separators: {canonical(reading.digest.hex())}",
                location=field,
                value=value,
            )
        )
    elif reading.spelling is Spelling.HEX and reading.size == (SHA1_SIZE if is_sha256 else SHA256_SIZE):
        if is_sha256:
            findings.append(
                error(
                    "certificate.sha1_as_sha256",
                    "The value has 40 hex digits: a SHA-1 thumbprint, not the SHA-256 hash of the certificate.",
                    "Compute SHA-256 over the .cer file: `CertUtil -hashfile cert.cer SHA256` or "
                    "`sha256sum cert.cer`; or give the certificate file instead.",
                    location=field,
                    value=value,
                )
            )
        else:
            findings.append(
                error(
                    "certificate.sha256_as_thumbprint",
                    "The value has 64 hex digits: a SHA-256 hash, not the SHA-1 thumbprint v0 needs.",
                    "Use the 40-hex-digit thumbprint Windows shows, or give the certificate file instead.",
                    location=field,
                    value=value,
                )
            )
    elif reading.spelling is Spelling.BASE64 and reading.digest is not None:
        findings.append(
            error(
                "certificate.hash_base64",
                f"The {what} is base64; it must be hex.",
                f"Write it as hex: {canonical(reading.digest.hex())}" if reading.size == expected // 2
                else "This base64 value has the wrong length for this field; give the certificate file instead.",
                location=field,
                value=value,
            )
        )
    else:
        findings.append(
            error(
                "certificate.sha256_invalid" if is_sha256 else "certificate.thumbprint_invalid",
                f"The {what} must be {expected} hex digits; got {len(text)} characters.",
                "Give the certificate file instead, or copy the value again.",
                location=field,
                value=value,
            )
        )
    return None, findings


def check_given_dn(value: str, field: str) -> tuple[str | None, str | None, list[Finding]]:
    """A DN written in the config: (canonical DN, its CN, findings). The DN must be .NET's rendering."""
    findings = [f.under(field) for f in check_invisible(value)]
    text = _without_invisible(value)
    if text != text.strip():
        findings.append(
            error(
                "certificate.whitespace",
                "The distinguished name has white space around it.",
                "Remove the spaces or line breaks around the value.",
                location=field,
                value=value,
            )
        )
        text = text.strip()
    parsed = parse_dn(text)
    if parsed is None:
        findings.append(
            error(
                "certificate.dn_invalid",
                "The distinguished name cannot be read.",
                "Copy X509Certificate2.Issuer/.Subject as PowerShell prints them, for example "
                "'CN=Contoso Plugins, O=Contoso Ltd, C=US' (a value with a comma is in double quotes: "
                "CN=\"Contoso, Inc.\"), or give the certificate file instead.",
                location=field,
                value=value,
            )
        )
        return None, None, findings
    findings.extend(_dn_format_findings(text, parsed, field, value))
    if any(f.is_error for f in findings):
        return None, None, findings
    return text, parsed.first_value("CN"), findings


def _dn_format_findings(text: str, parsed: ParsedDn, field: str, value: str) -> list[Finding]:
    written_reversed = _least_specific_first(parsed)
    suggestion = parsed.reversed_rendered() if written_reversed else parsed.rendered()
    if parsed.slash_form:
        return [
            error(
                "certificate.dn_openssl_format",
                "The distinguished name is in OpenSSL's /C=../O=../CN=.. form, not .NET's.",
                f"Write it as .NET renders it: {suggestion!r}",
                location=field,
                value=value,
            )
        ]
    if parsed.comma_without_space or parsed.backslash_escapes:
        return [
            error(
                "certificate.dn_rfc4514",
                "The distinguished name is in RFC 4514 form (no space after commas or backslash escapes); "
                "v2 hashes the exact string .NET prints, which separates with ', ' and quotes values.",
                f"Write it as .NET renders it: {suggestion!r}",
                location=field,
                value=value,
            )
        ]
    if parsed.spaced_equals:
        return [
            error(
                "certificate.dn_spaced_equals",
                "The distinguished name has spaces around '=' (OpenSSL's display form).",
                f"Write it as .NET renders it: {suggestion!r}",
                location=field,
                value=value,
            )
        ]
    if parsed.rendered() != text:
        return [
            error(
                "certificate.dn_not_dotnet",
                "The distinguished name differs from .NET's rendering (attribute names such as ST or "
                "emailAddress, or quoting).",
                f"Write it as .NET renders it: {suggestion!r}",
                location=field,
                value=value,
            )
        ]
    if written_reversed:
        return [
            warning(
                "certificate.dn_order",
                "The distinguished name starts with the country or domain and ends with the CN: the order of "
                "the certificate's encoding, while .NET usually prints the most specific part first.",
                f"Check X509Certificate2.{'Issuer' if field == 'issuer_dn' else 'Subject'} in PowerShell; most "
                f"certificates render as {suggestion!r}. Or give the certificate file instead.",
                location=field,
                value=value,
            )
        ]
    return []


def _least_specific_first(parsed: ParsedDn) -> bool:
    first = {name.upper() for name, _ in parsed.rdns[0]}
    last = {name.upper() for name, _ in parsed.rdns[-1]}
    return len(parsed.rdns) > 1 and bool(first & {"C", "DC", "COUNTRYNAME"}) and "CN" in last


def certificate_from_values(
    match: str | None,
    sha256: str | None,
    thumbprint: str | None,
    issuer_dn: str | None,
    subject_dn: str | None,
) -> tuple[CertificateIdentity | None, list[Finding]]:
    """A certificate given as values in the config; findings are located at ``sha256``, ``issuer_dn``...

    ``match`` defaults to ``hash`` when only a hash is given and to ``issuer_subject`` when both DNs
    are given (``hash`` if they are equal: a self-signed certificate).
    """
    findings: list[Finding] = []
    canonical_sha256 = canonical_thumbprint = None
    canonical_issuer = canonical_subject = issuer_cn = subject_cn = None
    if sha256 is not None:
        canonical_sha256, found = check_hex_digest(sha256, "sha256")
        findings += found
    if thumbprint is not None:
        canonical_thumbprint, found = check_hex_digest(thumbprint, "thumbprint")
        findings += found
    if issuer_dn is not None:
        canonical_issuer, issuer_cn, found = check_given_dn(issuer_dn, "issuer_dn")
        findings += found
    if subject_dn is not None:
        canonical_subject, subject_cn, found = check_given_dn(subject_dn, "subject_dn")
        findings += found

    resolved: CertificateMatch | None
    if match is None:
        if issuer_dn is not None and subject_dn is not None:
            same = canonical_issuer is not None and canonical_issuer == canonical_subject
            resolved = CertificateMatch.HASH if same and sha256 is not None else CertificateMatch.ISSUER_SUBJECT
        else:
            resolved = CertificateMatch.HASH
    else:
        try:
            resolved = CertificateMatch(match)
        except ValueError:
            findings.append(
                error(
                    "certificate.invalid_match",
                    f"match {match!r} is not one of: hash, issuer_subject.",
                    "Use 'hash' for a self-signed certificate (h/) or 'issuer_subject' for a CA-issued one (i/ s/).",
                    location="match",
                    value=match,
                )
            )
            resolved = None

    if resolved is CertificateMatch.HASH and sha256 is None and thumbprint is None:
        findings.append(
            error(
                "certificate.missing_hash",
                "A certificate matched by hash needs its sha256 (v1/v2) or thumbprint (v0).",
                "Add sha256: the SHA-256 of the .cer file as 64 lower-case hex digits, or give the file instead.",
                location="sha256",
            )
        )
    if resolved is CertificateMatch.ISSUER_SUBJECT:
        for field, given in (("issuer_dn", issuer_dn), ("subject_dn", subject_dn)):
            if given is None:
                findings.append(
                    error(
                        "certificate.missing_dn",
                        f"A certificate matched by issuer and subject needs {field}.",
                        "Copy X509Certificate2.Issuer and .Subject as PowerShell prints them, or give the file.",
                        location=field,
                    )
                )
    if resolved is None or any(f.is_error for f in findings):
        return None, findings
    return (
        CertificateIdentity(
            match=resolved,
            sha256=canonical_sha256,
            thumbprint=canonical_thumbprint,
            issuer_dn=canonical_issuer,
            subject_dn=canonical_subject,
            issuer_cn=issuer_cn,
            subject_cn=subject_cn,
        ),
        findings,
    )


def check_certificate_for_format(certificate: CertificateIdentity, fic_format: FicFormat) -> list[Finding]:
    """What a certificate lacks, or what will fail at token time, for one credential format."""
    if fic_format is FicFormat.V0:
        if not certificate.thumbprint:
            return [
                error(
                    "certificate.missing_thumbprint",
                    "The v0 format names the certificate by its SHA-1 thumbprint, which is not given.",
                    "Add thumbprint (40 hex digits) or give the certificate file; better, move to v2.",
                    location="thumbprint",
                )
            ]
        return []
    if certificate.match is CertificateMatch.HASH:
        if not certificate.sha256:
            return [
                error(
                    "certificate.missing_hash",
                    f"The {fic_format.value} format names a self-signed certificate by its SHA-256 hash, which is "
                    "not given.",
                    "Add sha256 (64 lower-case hex digits of SHA-256 over the .cer) or give the certificate file.",
                    location="sha256",
                )
            ]
        return []
    if fic_format is FicFormat.V2:
        return []
    findings: list[Finding] = []
    for field, cn in (("issuer_dn", certificate.issuer_cn), ("subject_dn", certificate.subject_cn)):
        if cn is None:
            findings.append(
                error(
                    "certificate.missing_cn",
                    "The v1 CA-issued form names the certificate by issuer and subject CN; this name has no CN.",
                    "Use the v2 format, which hashes the full distinguished names.",
                    location=field,
                )
            )
        elif "," in cn:
            findings.append(
                warning(
                    "certificate.v1_cn_comma",
                    f"The CN {cn!r} contains a comma: the v1 form fails with AADSTS700213.",
                    "Use the v2 format (record version 2), which works with any certificate name.",
                    location=field,
                    value=cn,
                )
            )
        elif not cn.isascii():
            findings.append(
                warning(
                    "certificate.v1_cn_non_ascii",
                    f"The CN {cn!r} has non-ASCII characters: the v1 form fails with AADSTS70050.",
                    "Use the v2 format (record version 2), which works with any certificate name.",
                    location=field,
                    value=cn,
                )
            )
    return findings
