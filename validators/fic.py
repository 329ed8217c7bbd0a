"""Build the federated identity credential strings Power Platform presents, for every format and cloud.

Formats (learn.microsoft.com/power-platform/admin/set-up-managed-identity, ms.date 2026-06-15):

- v0 (2024 preview, deprecated): issuer ``https://{E[0:30]}.{E[30:32]}.environment.api.powerplatform.com/sts``,
  subject ``component:pluginassembly,thumbprint:{SHA1},environment:{envId}``.
- v1: issuer ``{base}/{tenantId}/v2.0``; subject ``{prefix}/t/{T}/a/{A}/n/plugin/e/{envId}/h/{H}``
  (self-signed) or ``.../i/{issuer CN}/s/{subject CN}`` (CA-issued, legacy).
- v2: as v1, but CA-issued certificates use ``/i/{IH}/s/{SH}``: base64url SHA-256 of the full DNs.

The builders take canonical inputs and never guess: callers validate first (``check_*``) and the
decoder (``validators.decode``) explains what a malformed string got wrong.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import Enum

from validators.clouds import CLOUDS, Cloud
from validators.tenant import POWER_PLATFORM_APP_SEGMENT, encode_guid

MAX_CLAIM_LENGTH = 600
"""Entra ID limit for issuer, subject and audience (workload identity federation considerations)."""

MAX_CREDENTIALS_PER_IDENTITY = 20
"""Entra ID limit of federated identity credentials per managed identity or app registration."""


class FicFormat(str, Enum):
    V0 = "v0"
    V1 = "v1"
    V2 = "v2"

    @property
    def record_version(self) -> int:
        """The Dataverse ``managedidentity.version`` column value that selects this format."""
        return int(self.value[1])

    @classmethod
    def from_record_version(cls, version: int | None) -> "FicFormat":
        return cls.V0 if not version else cls(f"v{version}")


class CertificateMatch(str, Enum):
    """How the subject names the signing certificate."""

    HASH = "hash"  # self-signed: h/{SHA-256 of DER, lower-case hex}
    ISSUER_SUBJECT = "issuer_subject"  # CA-issued: i/{issuer}/s/{subject}


@dataclass(frozen=True)
class CertificateIdentity:
    """What a federated credential needs to know of a signing certificate, already canonical.

    ``sha256`` is lower-case hex of the DER bytes; ``thumbprint`` is upper-case SHA-1 hex (v0 only);
    ``issuer_dn``/``subject_dn`` are rendered as .NET ``X509Certificate2.Issuer``/``.Subject``;
    ``issuer_cn``/``subject_cn`` serve the legacy v1 CA-issued form.
    """

    match: CertificateMatch
    sha256: str | None = None
    thumbprint: str | None = None
    issuer_dn: str | None = None
    subject_dn: str | None = None
    issuer_cn: str | None = None
    subject_cn: str | None = None


@dataclass(frozen=True)
class FicStrings:
    issuer: str
    subject: str
    audience: str


def dn_hash(distinguished_name: str) -> str:
    """The v2 ``i/``/``s/`` segment: base64url (no padding) SHA-256 of the DN's UTF-8 bytes, 43 chars."""
    digest = hashlib.sha256(distinguished_name.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def v0_issuer(environment_id: str) -> str:
    compact = environment_id.replace("-", "").lower()
    return f"https://{compact[:30]}.{compact[30:]}.environment.api.powerplatform.com/sts"


def v0_subject(thumbprint: str, environment_id: str) -> str:
    return f"component:pluginassembly,thumbprint:{thumbprint},environment:{environment_id}"


def issuer_for(cloud: Cloud, tenant_id: str) -> str:
    return f"{cloud.issuer_base}/{tenant_id}/v2.0"


def subject_base(cloud: Cloud, tenant_id: str, environment_id: str) -> str:
    """Everything up to and including ``/e/{envId}``: shared by every certificate form."""
    return (
        f"{cloud.subject_prefix}/t/{encode_guid(tenant_id)}/a/{POWER_PLATFORM_APP_SEGMENT}"
        f"/n/plugin/e/{environment_id}"
    )


def certificate_segment(fic_format: FicFormat, certificate: CertificateIdentity) -> str:
    if certificate.match is CertificateMatch.HASH:
        if not certificate.sha256:
            raise ValueError("a self-signed certificate needs its SHA-256 hash")
        return f"/h/{certificate.sha256}"
    if fic_format is FicFormat.V1:
        if not (certificate.issuer_cn and certificate.subject_cn):
            raise ValueError("the v1 CA-issued form needs the issuer and subject common names")
        return f"/i/{certificate.issuer_cn}/s/{certificate.subject_cn}"
    if not (certificate.issuer_dn and certificate.subject_dn):
        raise ValueError("the v2 CA-issued form needs the issuer and subject distinguished names")
    return f"/i/{dn_hash(certificate.issuer_dn)}/s/{dn_hash(certificate.subject_dn)}"


def build_fic(
    fic_format: FicFormat,
    cloud: Cloud | str,
    tenant_id: str,
    environment_id: str,
    certificate: CertificateIdentity,
) -> FicStrings:
    """The issuer, subject and audience a credential must carry, character for character.

    Inputs must be canonical (lower-case dashed GUIDs, validated certificate values); a missing
    piece raises ``ValueError`` because that is a programming error, not a user finding.
    """
    cloud = CLOUDS[cloud] if isinstance(cloud, str) else cloud
    if fic_format is FicFormat.V0:
        if not certificate.thumbprint:
            raise ValueError("the v0 format needs the certificate's SHA-1 thumbprint")
        return FicStrings(
            issuer=v0_issuer(environment_id),
            subject=v0_subject(certificate.thumbprint, environment_id),
            audience=cloud.audience,
        )
    return FicStrings(
        issuer=issuer_for(cloud, tenant_id),
        subject=subject_base(cloud, tenant_id, environment_id) + certificate_segment(fic_format, certificate),
        audience=cloud.audience,
    )
