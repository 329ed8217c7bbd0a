"""A credential's issuer, subject and audience decoded into the parts a reviewer reads.

The parsing is ``validators.decode``'s; this only gathers its answers into one value. A
self-signed ``h/`` subject reads the same in v1 and v2, so ``fic_formats`` can hold both: the
Dataverse record's version then decides which one the platform presents.
"""

from __future__ import annotations

from dataclasses import dataclass

from validators.decode import check_credential, decode_issuer, decode_subject
from validators.fic import FicFormat
from validators.findings import Finding


@dataclass(frozen=True)
class CredentialParts:
    fic_formats: tuple[FicFormat, ...]
    cloud: str | None
    tenant_id: str | None
    environment_id: str | None
    certificate: str | None
    """``h/{sha256}`` (self-signed), ``i/{issuer}/s/{subject}`` (CA-issued) or ``thumbprint:{SHA1}`` (v0)."""
    findings: tuple[Finding, ...]

    @property
    def format_label(self) -> str | None:
        """``v2``, or ``v1/v2`` when the strings read the same in both."""
        return "/".join(f.value for f in self.fic_formats) or None

    def presents(self, fic_format: FicFormat) -> bool:
        return fic_format in self.fic_formats


def decode_credential(issuer: str, subject: str, audience: str | None) -> CredentialParts:
    """The parts of one credential and every finding about it; ``audience`` None when it is not
    known yet (or not exactly one), and then nothing is said about it."""
    decoded_issuer = decode_issuer(issuer)
    decoded_subject = decode_subject(subject)
    formats = decoded_subject.fic_formats or decoded_issuer.fic_formats
    if decoded_issuer.fic_formats and decoded_subject.fic_formats:
        formats = tuple(f for f in decoded_subject.fic_formats if f in decoded_issuer.fic_formats) or formats
    if decoded_subject.sha256:
        certificate = f"h/{decoded_subject.sha256}"
    elif decoded_subject.issuer_hash or decoded_subject.issuer_cn:
        certificate = (
            f"i/{decoded_subject.issuer_hash or decoded_subject.issuer_cn}"
            f"/s/{decoded_subject.subject_hash or decoded_subject.subject_cn}"
        )
    elif decoded_subject.thumbprint:
        certificate = f"thumbprint:{decoded_subject.thumbprint}"
    else:
        certificate = None
    findings = check_credential(issuer, subject, audience if audience is not None else "")
    if audience is None:
        findings = [f for f in findings if f.location != "audience" and not f.code.startswith("audience.")]
    return CredentialParts(
        fic_formats=tuple(formats),
        cloud=decoded_subject.cloud or decoded_issuer.cloud,
        tenant_id=decoded_issuer.tenant_id or decoded_subject.tenant_id,
        environment_id=decoded_subject.environment_id or decoded_issuer.environment_id,
        certificate=certificate,
        findings=tuple(findings),
    )
