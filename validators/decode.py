"""Read an issuer, subject or audience back into its parts and explain what is wrong with it.

Every known mistake has its own code (docs/errors.md): the tenant encoded big-endian or in standard
base64 or padded, ``/hash/`` for ``/h/``, a SHA-1 or base64 or upper-case hash, an environment ID
without dashes, a trailing slash, invisible characters, a cloud mismatch... Nothing here raises,
whatever the input: a malformed value yields findings, never an exception.

What stays unknown (domain.md section 2) is said, not guessed: whether ``a/`` differs outside the
public cloud, the v0 issuer outside the public cloud and the US Secure issuer host.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from validators.clouds import (
    CLOUDS,
    Cloud,
    cloud_for_audience,
    cloud_for_issuer_host,
    cloud_for_subject_prefix,
    credential_cloud,
)
from validators.fic import MAX_CLAIM_LENGTH, CertificateMatch, FicFormat
from validators.digests import LOWER_HEX_SHA256, SHA1_SIZE, SHA256_SIZE, Spelling, base64_bytes, read_digest
from validators.findings import Finding, error, warning
from validators.guids import CANONICAL_GUID, parse_guid
from validators.tenant import POWER_PLATFORM_APP_ID, POWER_PLATFORM_APP_SEGMENT, decode_guid
from validators.values import check_invisible, invisible_characters

V0_HOST_SUFFIX = ".environment.api.powerplatform.com"
USSEC_HOST_ALTERNATIVE = "login.microsoftonline.microsoft.scloud"
"""The US Secure login host another Microsoft page names; the set-up doc names login.microsoftonline.scloud."""

_WHITESPACE_CODES = {"issuer": "issuer.whitespace", "subject": "subject.whitespace", "audience": "audience.whitespace"}
_ISSUER_TENANT_CODES = ("issuer.tenant_invalid", "issuer.tenant_no_dashes", "issuer.tenant_upper_case",
                        "issuer.tenant_not_canonical")
_SUBJECT_ENVIRONMENT_CODES = ("subject.environment_invalid", "subject.environment_no_dashes",
                              "subject.environment_upper_case", "subject.environment_not_canonical")
_DN_HASH = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class DecodedIssuer:
    value: str
    fic_formats: tuple[FicFormat, ...]
    cloud: str | None
    tenant_id: str | None
    environment_id: str | None
    findings: tuple[Finding, ...]
    kind: str = "issuer"

    @property
    def fic_format(self) -> FicFormat | None:
        return self.fic_formats[0] if len(self.fic_formats) == 1 else None


@dataclass(frozen=True)
class DecodedSubject:
    value: str
    fic_formats: tuple[FicFormat, ...]
    cloud: str | None
    tenant_segment: str | None
    tenant_id: str | None
    app_segment: str | None
    environment_id: str | None
    match: CertificateMatch | None
    sha256: str | None
    thumbprint: str | None
    issuer_hash: str | None
    subject_hash: str | None
    issuer_cn: str | None
    subject_cn: str | None
    findings: tuple[Finding, ...]
    kind: str = "subject"

    @property
    def fic_format(self) -> FicFormat | None:
        return self.fic_formats[0] if len(self.fic_formats) == 1 else None


@dataclass(frozen=True)
class DecodedAudience:
    value: str
    cloud: str | None
    findings: tuple[Finding, ...]
    kind: str = "audience"


Decoded = DecodedIssuer | DecodedSubject | DecodedAudience


def _clean(value: str, where: str) -> tuple[str, list[Finding]]:
    """The value without invisible characters and surrounding white space, and findings for both."""
    findings = [f.under(where) for f in check_invisible(value)]
    positions = {index for index, _ in invisible_characters(value)}
    text = "".join(char for index, char in enumerate(value) if index not in positions)
    if text != text.strip():
        findings.append(
            error(
                _WHITESPACE_CODES[where],
                f"The {where} has white space at its start or end; Entra ID rejects such a claim.",
                "Remove the spaces, tabs or line breaks around the value.",
                location=where,
                value=value,
            )
        )
        text = text.strip()
    if len(value) > MAX_CLAIM_LENGTH:
        findings.append(
            error(
                "claim.too_long",
                f"The {where} has {len(value)} characters; Entra ID allows at most {MAX_CLAIM_LENGTH}.",
                "Build the value again from its parts; a valid issuer or subject is far shorter.",
                location=where,
                value=value,
            )
        )
    return text, findings


def _guid_findings(
    text: str, where: str, codes: tuple[str, str, str, str], what: str
) -> tuple[str | None, list[Finding]]:
    """A GUID inside a claim: canonical (lower case, dashed) or a finding saying which form it has.

    ``codes`` are the finding codes for: not a GUID, no dashes, upper case, another spelling.
    """
    invalid_code, no_dashes_code, upper_case_code, not_canonical_code = codes
    if CANONICAL_GUID.match(text):
        return text, []
    parsed = parse_guid(text)
    if parsed is None:
        return None, [
            error(
                invalid_code,
                f"The {what} {text!r} is not a GUID.",
                "Copy the ID again; it is 32 hex digits in groups 8-4-4-4-12.",
                location=where,
                value=text,
            )
        ]
    canonical = str(parsed)
    if "-" not in text:
        code, message = no_dashes_code, f"The {what} is written without dashes."
    elif text.lower() == canonical:
        code, message = upper_case_code, f"The {what} has upper-case letters; matching is case-sensitive."
    else:
        code, message = not_canonical_code, f"The {what} is not in the lower-case dashed form."
    return canonical, [error(code, message, f"Write it as {canonical}", location=where, value=text)]


def decode_issuer(value: str) -> DecodedIssuer:
    """Parts of an issuer: v0 (environment host) or v1/v2 (``{login host}/{tenant}/v2.0``)."""
    text, findings = _clean(value, "issuer")
    formats: tuple[FicFormat, ...] = ()
    cloud_name = tenant_id = environment_id = None
    if text.endswith("/") and not text.endswith("://"):
        findings.append(
            error(
                "issuer.trailing_slash",
                "The issuer ends with '/'; the issuer Power Platform presents has none.",
                f"Remove the trailing slash: {text.rstrip('/')}",
                location="issuer",
                value=value,
            )
        )
        text = text.rstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        parts, host, port = None, "", None
    if parts is None or not host or parts.netloc.lower() != host or port is not None:
        findings.append(
            error(
                "issuer.malformed",
                "The issuer is not an https URL with a host.",
                "Use https://login.microsoftonline.com/{tenant_id}/v2.0 (v1/v2), or the v0 environment URL.",
                location="issuer",
                value=value,
            )
        )
        return DecodedIssuer(value, formats, None, None, None, tuple(findings))
    if parts.scheme != "https":
        findings.append(
            error(
                "issuer.not_https",
                f"The issuer uses {parts.scheme!r}; it must start with https://.",
                "Write the issuer with https://.",
                location="issuer",
                value=value,
            )
        )
    written_host = parts.netloc
    if written_host != host:
        findings.append(
            error(
                "issuer.host_case",
                "The issuer's host has upper-case letters; the issuer is compared case-sensitively.",
                f"Write the host in lower case: {host}",
                location="issuer",
                value=value,
            )
        )
    path = parts.path
    if parts.query or parts.fragment:
        findings.append(
            error(
                "issuer.malformed",
                "The issuer has a query or fragment ('?' or '#').",
                "Remove everything from '?' or '#' on.",
                location="issuer",
                value=value,
            )
        )
    if host.endswith(V0_HOST_SUFFIX):
        formats = (FicFormat.V0,)
        cloud_name = "public"
        environment_id, found = _decode_v0_host(host[: -len(V0_HOST_SUFFIX)], path, value)
        findings += found
    elif host == "sts.windows.net":
        findings.append(
            error(
                "issuer.sts_windows_net",
                "https://sts.windows.net/... is the issuer of Entra ID v1 access tokens, not the one Power Platform "
                "presents.",
                "Use https://login.microsoftonline.com/{tenant_id}/v2.0.",
                location="issuer",
                value=value,
            )
        )
    else:
        cloud = cloud_for_issuer_host(host)
        if cloud is None and host == USSEC_HOST_ALTERNATIVE:
            cloud = CLOUDS["ussec"]
        if cloud is None:
            findings.append(
                error(
                    "issuer.unknown_host",
                    f"The issuer host {host!r} is not a Microsoft login host Power Platform presents.",
                    "Known hosts: " + ", ".join(c.issuer_host for c in CLOUDS.values()) + ".",
                    location="issuer",
                    value=value,
                )
            )
        else:
            cloud_name = cloud.name
            formats = (FicFormat.V1, FicFormat.V2)
            if cloud.name == "ussec":
                findings.append(ussec_host_note(host, "issuer"))
            tenant_id, found = _decode_issuer_path(path, value)
            findings += found
    return DecodedIssuer(value, formats, cloud_name, tenant_id, environment_id, tuple(findings))


def ussec_host_note(host: str, where: str) -> Finding:
    other = USSEC_HOST_ALTERNATIVE if host != USSEC_HOST_ALTERNATIVE else CLOUDS["ussec"].issuer_host
    return warning(
        "issuer.ussec_host_unverified",
        f"US Secure: the set-up doc names the issuer host {CLOUDS['ussec'].issuer_host}, another Microsoft page "
        f"names {USSEC_HOST_ALTERNATIVE}; which one Power Platform presents is not documented.",
        f"Confirm the issuer in the AADSTS700211 error text of a test run; the other candidate is {other}.",
        location=where,
    )


def _decode_issuer_path(path: str, value: str) -> tuple[str | None, list[Finding]]:
    segments = path.split("/")[1:] if path.startswith("/") else []
    if not segments or not segments[0]:
        return None, [
            error(
                "issuer.missing_tenant",
                "The issuer has no tenant ID.",
                "Use {login host}/{tenant_id}/v2.0.",
                location="issuer",
                value=value,
            )
        ]
    tenant_id, findings = _guid_findings(segments[0], "issuer", _ISSUER_TENANT_CODES, "tenant ID in the issuer")
    rest = segments[1:]
    if rest != ["v2.0"]:
        findings.append(
            error(
                "issuer.missing_v2",
                "The issuer must end with /v2.0 right after the tenant ID.",
                f"Use {{login host}}/{tenant_id or segments[0]}/v2.0",
                location="issuer",
                value=value,
            )
        )
    return tenant_id, findings


def _decode_v0_host(label: str, path: str, value: str) -> tuple[str | None, list[Finding]]:
    findings: list[Finding] = [
        warning(
            "issuer.v0_deprecated",
            "This is a v0 issuer (2024 preview format), which Microsoft has deprecated.",
            "Move to v2: add a v2 credential, set the managedidentity record's version to 2, then remove this one.",
            location="issuer",
        )
    ]
    if path != "/sts":
        findings.append(
            error(
                "issuer.v0_path",
                "A v0 issuer ends with /sts.",
                "Use https://{E[0:30]}.{E[30:32]}.environment.api.powerplatform.com/sts.",
                location="issuer",
                value=value,
            )
        )
    compact = label.replace(".", "")
    if not re.fullmatch(r"[0-9a-fA-F]{32}", compact):
        findings.append(
            error(
                "issuer.v0_environment_invalid",
                f"The v0 host {label!r} does not hold a 32-hex-digit environment ID.",
                "Build it from the environment ID: lower case, no dashes, a dot before the last two characters.",
                location="issuer",
                value=value,
            )
        )
        return None, findings
    lower = compact.lower()
    expected_label = f"{lower[:30]}.{lower[30:]}"
    if label != expected_label:
        findings.append(
            error(
                "issuer.v0_host_split",
                "The v0 host must be the environment ID in lower case without dashes, with a dot before its last "
                "two characters.",
                f"Use https://{expected_label}{V0_HOST_SUFFIX}/sts",
                location="issuer",
                value=value,
            )
        )
    return str(uuid.UUID(lower)), findings


def _segment(text: str, marker: str, start: int) -> int:
    return text.find(marker, start)


def _decode_tenant_segment(segment: str) -> tuple[str | None, list[Finding]]:
    decoded = decode_guid(segment)
    if decoded is not None:
        return str(decoded), []
    raw = base64_bytes(segment)
    if raw is None or len(raw) != 16:
        return None, [
            error(
                "subject.tenant_invalid",
                f"The t/ segment {segment!r} is not an encoded tenant ID (22 base64url characters).",
                "Encode the tenant GUID: base64url of its .NET Guid.ToByteArray() bytes, without '=' "
                "(Python: base64.urlsafe_b64encode(uuid.UUID(t).bytes_le).rstrip(b'=')).",
                location="subject",
                value=segment,
            )
        ]
    tenant = uuid.UUID(bytes_le=raw)
    fixed = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    findings = []
    if "+" in segment or "/" in segment:
        findings.append(
            error(
                "subject.tenant_standard_base64",
                "The t/ segment uses standard base64 ('+' or '/'); it must be base64url ('-' and '_').",
                f"Use t/{fixed}",
                location="subject",
                value=segment,
            )
        )
    if segment.endswith("="):
        findings.append(
            error(
                "subject.tenant_padded",
                "The t/ segment keeps the '=' padding; Power Platform writes it without.",
                f"Use t/{fixed}",
                location="subject",
                value=segment,
            )
        )
    return str(tenant), findings


def _decode_sha256_segment(text: str, segment_name: str) -> tuple[str | None, list[Finding]]:
    if LOWER_HEX_SHA256.match(text):
        return text, []
    where = "subject"
    reading = read_digest(text)
    if reading.spelling is Spelling.HEX and reading.size == SHA256_SIZE:
        return text.lower(), [
            error(
                "subject.hash_upper_case",
                f"The {segment_name}/ hash has upper-case hex; Power Platform writes lower case and the subject "
                "is compared case-sensitively.",
                f"Use {segment_name}/{text.lower()}",
                location=where,
                value=text,
            )
        ]
    if reading.spelling is Spelling.HEX and reading.size == SHA1_SIZE:
        return None, [
            error(
                "subject.hash_sha1",
                f"The {segment_name}/ value has 40 hex digits: a SHA-1 thumbprint; h/ needs the SHA-256 of the .cer.",
                "Compute `CertUtil -hashfile cert.cer SHA256` (or `sha256sum cert.cer`) and use its lower-case hex.",
                location=where,
                value=text,
            )
        ]
    if reading.spelling is Spelling.SEPARATED_HEX and reading.digest is not None and reading.size == SHA256_SIZE:
        fixed = reading.digest.hex()
        return fixed, [
            error(
                "subject.hash_separated",
                f"The {segment_name}/ hash has separators between its bytes.",
                f"Use {segment_name}/{fixed}",
                location=where,
                value=text,
            )
        ]
    if reading.spelling is Spelling.BASE64 and reading.digest is not None and reading.size == SHA256_SIZE:
        return reading.digest.hex(), [
            error(
                "subject.hash_base64",
                f"The {segment_name}/ hash is base64; h/ takes the SHA-256 as lower-case hex.",
                f"Use {segment_name}/{reading.digest.hex()}",
                location=where,
                value=text,
            )
        ]
    return None, [
        error(
            "subject.hash_invalid",
            f"The {segment_name}/ value is not a SHA-256 hash (64 lower-case hex digits).",
            "Compute `CertUtil -hashfile cert.cer SHA256` over the public .cer (not the .pfx, not PEM text).",
            location=where,
            value=text,
        )
    ]


def _dn_hash_findings(text: str, which: str) -> list[Finding]:
    if _DN_HASH.match(text):
        return []
    raw = base64_bytes(text)
    if raw is not None and len(raw) == 32:
        fixed = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return [
            error(
                "subject.dn_hash_encoding",
                f"The {which}/ hash is standard or padded base64; v2 uses base64url without '='.",
                f"Use {which}/{fixed}",
                location="subject",
                value=text,
            )
        ]
    reading = read_digest(text)
    if reading.spelling is Spelling.HEX and reading.digest is not None and reading.size == SHA256_SIZE:
        fixed = base64.urlsafe_b64encode(reading.digest).decode("ascii").rstrip("=")
        return [
            error(
                "subject.dn_hash_hex",
                f"The {which}/ hash is hex; v2 uses base64url of the SHA-256 of the DN (43 characters).",
                f"Use {which}/{fixed}",
                location="subject",
                value=text,
            )
        ]
    return []


def _looks_like_dn_hash(text: str) -> bool:
    return bool(_DN_HASH.match(text)) or bool(_dn_hash_findings(text, "i"))


def decode_subject(value: str) -> DecodedSubject:
    """Parts of a subject: v0 (``component:pluginassembly,...``) or v1/v2 (``/eid1/c/...``)."""
    text, findings = _clean(value, "subject")
    if text.startswith("component:") or "thumbprint:" in text:
        return _decode_v0_subject(value, text, findings)
    fields: dict[str, str | None] = dict.fromkeys(
        ("cloud", "tenant_segment", "tenant_id", "app_segment", "environment_id", "sha256", "thumbprint",
         "issuer_hash", "subject_hash", "issuer_cn", "subject_cn"),
        None,
    )
    match: CertificateMatch | None = None
    formats: tuple[FicFormat, ...] = ()
    if text.endswith("/"):
        findings.append(
            error(
                "subject.trailing_slash",
                "The subject ends with '/'.",
                "Remove the trailing slash.",
                location="subject",
                value=value,
            )
        )
        text = text.rstrip("/")
    markers = ("/t/", "/a/", "/n/", "/e/")
    positions: list[int] = []
    start = 0
    for marker in markers:
        found_at = _segment(text, marker, start)
        if found_at < 0:
            break
        positions.append(found_at)
        start = found_at + len(marker)
    if len(positions) < len(markers) or not text.lower().startswith("/eid1/c/"):
        findings.append(
            error(
                "subject.malformed",
                "The subject does not have the shape /eid1/c/{cloud}/t/{tenant}/a/{app}/n/plugin/e/{environment}/"
                "h/{hash} (or .../i/{issuer}/s/{subject}).",
                "Build the subject with `ppmi fic`, or compare it with the format in the set-up doc.",
                location="subject",
                value=value,
            )
        )
        return DecodedSubject(value, formats, match=match, findings=tuple(findings), **fields)
    prefix = text[: positions[0]]
    tenant_segment = text[positions[0] + 3 : positions[1]]
    app_segment = text[positions[1] + 3 : positions[2]]
    component = text[positions[2] + 3 : positions[3]]
    tail = text[positions[3] + 3 :]
    cloud = cloud_for_subject_prefix(prefix)
    if cloud is None:
        known = cloud_for_subject_prefix(prefix.lower())
        findings.append(
            error(
                "subject.unknown_cloud_prefix",
                f"The subject prefix {prefix!r} is not one Power Platform uses.",
                f"Use {known.subject_prefix}" if known is not None
                else "Known prefixes: " + ", ".join(c.subject_prefix for c in CLOUDS.values()) + ".",
                location="subject",
                value=prefix,
            )
        )
    fields["cloud"] = cloud.name if cloud else None
    fields["tenant_segment"] = tenant_segment
    fields["tenant_id"], found = _decode_tenant_segment(tenant_segment)
    findings += found
    fields["app_segment"] = app_segment
    findings += _app_segment_findings(app_segment, cloud)
    if component != "plugin":
        findings.append(
            error(
                "subject.component",
                f"The n/ segment is {component!r}; plug-ins and plug-in packages use n/plugin.",
                "Use n/plugin.",
                location="subject",
                value=component,
            )
        )
    environment_text, certificate_text = (tail.split("/", 1) + [""])[:2] if "/" in tail else (tail, "")
    fields["environment_id"], found = _guid_findings(
        environment_text, "subject", _SUBJECT_ENVIRONMENT_CODES, "environment ID in the subject"
    )
    findings += found
    certificate_part = "/" + certificate_text if certificate_text else ""
    match, formats, found = _decode_certificate_part(certificate_part, fields, value)
    findings += found
    return DecodedSubject(value, formats, match=match, findings=tuple(findings), **fields)


def _app_segment_findings(app_segment: str, cloud: Cloud | None) -> list[Finding]:
    findings: list[Finding] = []
    if app_segment != POWER_PLATFORM_APP_SEGMENT:
        findings.append(
            error(
                "subject.app_modified",
                f"The a/ segment is {app_segment!r}; Microsoft's doc fixes it to {POWER_PLATFORM_APP_SEGMENT} "
                f"(the Power Platform app {POWER_PLATFORM_APP_ID}): \"Internal use only. Don't modify.\"",
                f"Use a/{POWER_PLATFORM_APP_SEGMENT}",
                location="subject",
                value=app_segment,
            )
        )
    if cloud is not None and cloud.name != "public":
        findings.append(app_segment_unverified(cloud))
    return findings


def app_segment_unverified(cloud: Cloud) -> Finding:
    """Outside the public cloud nobody documents whether a/ stays the same: say so rather than guess."""
    return warning(
        "subject.app_segment_unverified",
        f"{cloud.description}: Microsoft documents a/{POWER_PLATFORM_APP_SEGMENT} for the public cloud only; "
        "whether this cloud uses the same a/ segment is not documented.",
        "Confirm the subject in the AADSTS700213 error text of a test run, which shows the expected subject.",
        location="subject",
    )


def cloud_caveats(cloud: Cloud) -> list[Finding]:
    """What is not documented about a cloud's v1/v2 credential values; nothing for the public cloud and GCC."""
    if credential_cloud(cloud.name).name == "public":
        return []
    caveats = [replace(app_segment_unverified(cloud), location="")]
    if cloud.name == "ussec":
        caveats.append(ussec_host_note(cloud.issuer_host, ""))
    return caveats


def _decode_certificate_part(
    part: str, fields: dict[str, str | None], value: str
) -> tuple[CertificateMatch | None, tuple[FicFormat, ...], list[Finding]]:
    if part.startswith("/h/") or part.startswith("/hash/") or part.startswith("/H/"):
        name, hash_text = part[1:].split("/", 1)
        findings: list[Finding] = []
        if name != "h":
            findings.append(
                error(
                    "subject.hash_segment_name",
                    f"The certificate segment is /{name}/; Power Platform writes /h/.",
                    "Use /h/{sha256}.",
                    location="subject",
                    value=value,
                )
            )
        fields["sha256"], found = _decode_sha256_segment(hash_text, "h")
        return CertificateMatch.HASH, (FicFormat.V1, FicFormat.V2), findings + found
    if part.startswith("/i/") and "/s/" in part:
        issuer_text, subject_text = part[3:].rsplit("/s/", 1)
        if _looks_like_dn_hash(issuer_text) and _looks_like_dn_hash(subject_text):
            findings = _dn_hash_findings(issuer_text, "i") + _dn_hash_findings(subject_text, "s")
            fields["issuer_hash"], fields["subject_hash"] = issuer_text, subject_text
            return CertificateMatch.ISSUER_SUBJECT, (FicFormat.V2,), findings
        fields["issuer_cn"], fields["subject_cn"] = issuer_text, subject_text
        return CertificateMatch.ISSUER_SUBJECT, (FicFormat.V1,), _v1_cn_findings(issuer_text, subject_text)
    if not part:
        return None, (), [
            error(
                "subject.missing_certificate",
                "The subject ends after the environment: the certificate part (/h/... or /i/.../s/...) is missing.",
                "Add /h/{sha256 of the .cer} for a self-signed certificate or /i/{issuer hash}/s/{subject hash}.",
                location="subject",
                value=value,
            )
        ]
    return None, (), [
        error(
            "subject.unknown_certificate_segment",
            f"After the environment comes {part!r}; expected /h/{{hash}} or /i/{{issuer}}/s/{{subject}}.",
            "Build the subject with `ppmi fic`.",
            location="subject",
            value=value,
        )
    ]


def _v1_cn_findings(issuer_cn: str, subject_cn: str) -> list[Finding]:
    findings = [
        warning(
            "subject.v1_ca_form",
            "This is the legacy v1 CA-issued form (i/{issuer CN}/s/{subject CN}).",
            "Move to v2 (i/ and s/ hash the full DNs), which works with any certificate name.",
            location="subject",
        )
    ]
    for which, cn in (("i", issuer_cn), ("s", subject_cn)):
        if "," in cn:
            findings.append(
                warning(
                    "subject.v1_cn_comma",
                    f"The {which}/ CN {cn!r} contains a comma: the v1 form fails with AADSTS700213.",
                    "Use the v2 format.",
                    location="subject",
                    value=cn,
                )
            )
        if not cn.isascii():
            findings.append(
                warning(
                    "subject.v1_cn_non_ascii",
                    f"The {which}/ CN {cn!r} has non-ASCII characters: the v1 form fails with AADSTS70050.",
                    "Use the v2 format.",
                    location="subject",
                    value=cn,
                )
            )
    return findings


def _decode_v0_subject(value: str, text: str, findings: list[Finding]) -> DecodedSubject:
    fields: dict[str, str | None] = dict.fromkeys(
        ("cloud", "tenant_segment", "tenant_id", "app_segment", "environment_id", "sha256", "thumbprint",
         "issuer_hash", "subject_hash", "issuer_cn", "subject_cn"),
        None,
    )
    findings.append(
        warning(
            "subject.v0_deprecated",
            "This is a v0 subject (2024 preview format), which Microsoft has deprecated.",
            "Move to v2: add a v2 credential, set the managedidentity record's version to 2, then remove this one.",
            location="subject",
        )
    )
    pairs = {}
    for item in text.split(","):
        key, _, item_value = item.partition(":")
        pairs[key.strip()] = item_value
    if list(pairs) != ["component", "thumbprint", "environment"] or pairs.get("component") != "pluginassembly":
        findings.append(
            error(
                "subject.malformed",
                "A v0 subject is component:pluginassembly,thumbprint:{SHA-1},environment:{environment ID}.",
                "Build it with `ppmi fic --fic-format v0`.",
                location="subject",
                value=value,
            )
        )
    thumbprint = pairs.get("thumbprint")
    if thumbprint is not None:
        reading = read_digest(thumbprint)
        if reading.spelling is Spelling.HEX and reading.size == SHA1_SIZE and thumbprint == thumbprint.upper():
            fields["thumbprint"] = thumbprint
        elif reading.spelling is Spelling.HEX and reading.size == SHA1_SIZE:
            fields["thumbprint"] = thumbprint
            findings.append(
                warning(
                    "subject.v0_thumbprint_case",
                    "The v0 thumbprint has lower-case letters; community reports say v0 matched only the "
                    "upper-case thumbprint (not documented).",
                    f"If the token request fails with AADSTS700213, use thumbprint:{thumbprint.upper()}",
                    location="subject",
                    value=thumbprint,
                )
            )
        elif reading.spelling is Spelling.HEX and reading.size == SHA256_SIZE:
            findings.append(
                error(
                    "subject.v0_sha256_as_thumbprint",
                    "The v0 thumbprint has 64 hex digits (a SHA-256); v0 uses the 40-digit SHA-1 thumbprint.",
                    "Use the certificate's SHA-1 thumbprint.",
                    location="subject",
                    value=thumbprint,
                )
            )
        else:
            findings.append(
                error(
                    "subject.v0_thumbprint_invalid",
                    "The v0 thumbprint is not 40 hex digits.",
                    "Copy the thumbprint again (without spaces or the invisible U+200E Windows puts in front).",
                    location="subject",
                    value=thumbprint,
                )
            )
    environment = pairs.get("environment")
    if environment is not None:
        fields["environment_id"], found = _guid_findings(
            environment, "subject", _SUBJECT_ENVIRONMENT_CODES, "environment ID in the subject"
        )
        findings += found
    fields["cloud"] = "public"
    return DecodedSubject(
        value, (FicFormat.V0,), match=CertificateMatch.HASH, findings=tuple(findings), **fields
    )


def decode_audience(value: str) -> DecodedAudience:
    text, findings = _clean(value, "audience")
    cloud = cloud_for_audience(text)
    if cloud is None:
        same_but_case = next((c for c in CLOUDS.values() if c.audience.lower() == text.lower()), None)
        if same_but_case is not None:
            findings.append(
                error(
                    "audience.case",
                    f"The audience differs from {same_but_case.audience} only in case; it is compared "
                    "case-sensitively.",
                    f"Use {same_but_case.audience} (v0 credentials: see audience.case in docs/errors.md).",
                    location="audience",
                    value=value,
                )
            )
            cloud = same_but_case
        else:
            findings.append(
                error(
                    "audience.unknown",
                    f"{text!r} is not a token exchange audience.",
                    "Known audiences: " + ", ".join(c.audience for c in CLOUDS.values()) + ".",
                    location="audience",
                    value=value,
                )
            )
    return DecodedAudience(value, cloud.name if cloud else None, tuple(findings))


def decode_value(value: str) -> Decoded:
    """Whichever of issuer, subject or audience ``value`` is."""
    stripped = "".join(c for c in value if not invisible_characters(c)).strip().lower()
    if stripped.startswith("api://"):
        return decode_audience(value)
    if "://" in stripped or stripped.startswith("login.") or stripped.startswith("sts."):
        return decode_issuer(value)
    return decode_subject(value)


def check_credential(
    issuer: str, subject: str, audience: str, record_version: int | None = None
) -> list[Finding]:
    """Each value's findings plus the cross-checks: tenant, cloud, environment and format agreement."""
    decoded_issuer = decode_issuer(issuer)
    decoded_subject = decode_subject(subject)
    decoded_audience = decode_audience(audience)
    findings = list(decoded_issuer.findings) + list(decoded_subject.findings) + list(decoded_audience.findings)
    issuer_v0 = decoded_issuer.fic_formats == (FicFormat.V0,)
    subject_v0 = decoded_subject.fic_formats == (FicFormat.V0,)
    if decoded_issuer.fic_formats and decoded_subject.fic_formats and issuer_v0 != subject_v0:
        findings.append(
            error(
                "credential.format_mismatch",
                "The issuer and the subject are of different formats (one v0, the other v1/v2).",
                "Build both with the same format: `ppmi fic --fic-format v2`.",
                location="subject",
            )
        )
    findings += _tenant_cross_check(decoded_issuer, decoded_subject)
    clouds = {
        "issuer": decoded_issuer.cloud if not issuer_v0 else None,
        "subject": decoded_subject.cloud if not subject_v0 else None,
        "audience": decoded_audience.cloud,
    }
    named = {where: cloud for where, cloud in clouds.items() if cloud is not None}
    if len(set(named.values())) > 1:
        findings.append(
            error(
                "credential.cloud_mismatch",
                "The issuer host, subject prefix and audience name different clouds: "
                + ", ".join(f"{where} {cloud}" for where, cloud in named.items()) + ".",
                "Use the issuer host, subject prefix and audience of the one cloud the environment is in.",
                location="audience",
            )
        )
    if (
        issuer_v0
        and subject_v0
        and decoded_issuer.environment_id
        and decoded_subject.environment_id
        and decoded_issuer.environment_id != decoded_subject.environment_id
    ):
        findings.append(
            error(
                "credential.environment_mismatch",
                "The v0 issuer and subject name different environments.",
                "Build both from the same environment ID.",
                location="subject",
            )
        )
    if issuer_v0 and decoded_audience.value.strip() == "api://azureadtokenexchange":
        findings = [f for f in findings if f.code != "audience.case"]
        findings.append(
            warning(
                "audience.v0_lower_case",
                "The lower-case audience was reported to be needed by v0 credentials (community reports, not "
                "documented).",
                "Keep it for v0 if it works; v1/v2 need api://AzureADTokenExchange.",
                location="audience",
            )
        )
    if record_version is not None:
        findings += _record_version_check(record_version, decoded_issuer, decoded_subject)
    return findings


def _tenant_cross_check(decoded_issuer: DecodedIssuer, decoded_subject: DecodedSubject) -> list[Finding]:
    segment = decoded_subject.tenant_segment
    tenant_id = decoded_issuer.tenant_id
    if not segment or not tenant_id or decoded_subject.tenant_id == tenant_id:
        return []
    raw = base64_bytes(segment)
    expected = base64.urlsafe_b64encode(uuid.UUID(tenant_id).bytes_le).decode("ascii").rstrip("=")
    if raw is not None and len(raw) == 16 and str(uuid.UUID(bytes=raw)) == tenant_id:
        return [
            error(
                "subject.tenant_big_endian",
                "The t/ segment encodes the issuer's tenant in big-endian byte order (Python uuid.bytes); Power "
                "Platform uses .NET Guid.ToByteArray() order (uuid.bytes_le).",
                f"Use t/{expected}",
                location="subject",
                value=segment,
            )
        ]
    return [
        error(
            "subject.tenant_mismatch",
            f"The t/ segment encodes tenant {decoded_subject.tenant_id or '(unreadable)'}, not the issuer's "
            f"tenant {tenant_id}.",
            f"For tenant {tenant_id} use t/{expected}",
            location="subject",
            value=segment,
        )
    ]


def _record_version_check(
    record_version: int, decoded_issuer: DecodedIssuer, decoded_subject: DecodedSubject
) -> list[Finding]:
    try:
        wanted = FicFormat.from_record_version(record_version)
    except ValueError:
        return [
            error(
                "credential.record_version_invalid",
                f"Record version {record_version} is not 0, 1 or 2.",
                "Set the managedidentity record's version to 2 (or 1 for existing v1 credentials).",
                location="record_version",
            )
        ]
    formats = set(decoded_subject.fic_formats or decoded_issuer.fic_formats)
    if formats and wanted not in formats:
        presented = "/".join(sorted(f.value for f in formats))
        return [
            error(
                "credential.version_mismatch",
                f"The record's version {record_version} makes Power Platform present {wanted.value} strings, but "
                f"this credential is {presented}.",
                f"Build the credential with --fic-format {wanted.value}, or change the record's version.",
                location="subject",
            )
        ]
    return []
