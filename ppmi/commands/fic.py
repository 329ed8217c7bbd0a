"""``ppmi fic``: the issuer, subject and audience for one environment and one certificate, without a config."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ppmi import exit_codes
from ppmi.output import CommandResult, findings_exit_code
from validators.certificates import certificate_from_values, check_certificate_for_format, load_certificate_file
from validators.clouds import CLOUD_NAMES, CLOUDS
from validators.decode import cloud_caveats
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic
from validators.findings import Finding, error, has_errors, warning
from validators.values import check_guid

HELP = "Print the issuer, subject and audience a federated identity credential needs, character for character."

_OPTION_OF_FIELD = {
    "sha256": "--cert-sha256",
    "thumbprint": "--thumbprint",
    "issuer_dn": "--issuer-dn",
    "subject_dn": "--subject-dn",
    "match": "--cert-sha256",
}
_FILE_REFUSALS = ("certificate.unreadable", "certificate.pfx", "certificate.private_key")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant-id", help="Entra ID tenant ID (not needed for v0)")
    parser.add_argument("--environment-id", required=True, help="Power Platform environment ID")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--certificate", type=Path, help="the signing certificate: .cer/.crt/.der/.pem (public only)")
    source.add_argument("--cert-sha256", help="SHA-256 of the .cer, 64 hex digits (self-signed, h/)")
    source.add_argument("--thumbprint", help="SHA-1 thumbprint, 40 hex digits (v0 only)")
    source.add_argument("--issuer-dn", help="issuer DN as .NET prints it (CA-issued; with --subject-dn)")
    parser.add_argument("--subject-dn", help="subject DN as .NET prints it (CA-issued; with --issuer-dn)")
    parser.add_argument("--fic-format", choices=[f.value for f in FicFormat], default="v2", help="default: v2")
    parser.add_argument("--cloud", choices=CLOUD_NAMES, default="public", help="default: public")


def _at_option(findings: list[Finding]) -> list[Finding]:
    return [replace(f, location=_OPTION_OF_FIELD.get(f.location, f.location)) for f in findings]


def _certificate(args: argparse.Namespace) -> tuple[CertificateIdentity | None, list[Finding], bool]:
    """The certificate from the options; the flag says a file could not be used (exit code 2)."""
    if args.certificate is not None:
        loaded = load_certificate_file(args.certificate)
        findings = [replace(f, location="--certificate") for f in loaded.findings]
        return loaded.identity, findings, any(f.code in _FILE_REFUSALS for f in findings)
    if args.issuer_dn is not None or args.subject_dn is not None:
        identity, findings = certificate_from_values(
            CertificateMatch.ISSUER_SUBJECT.value, None, None, args.issuer_dn, args.subject_dn
        )
    else:
        identity, findings = certificate_from_values(
            CertificateMatch.HASH.value, args.cert_sha256, args.thumbprint, None, None
        )
    return identity, _at_option(findings), False


def _cloud_notes(fic_format: FicFormat, cloud_name: str) -> list[Finding]:
    cloud = CLOUDS[cloud_name]
    if fic_format is FicFormat.V0:
        if cloud.v0_supported:
            return []
        return [
            warning(
                "fic.v0_cloud_unknown",
                f"{cloud.description}: the v0 issuer is documented for the public cloud only; this one is the public "
                "form and may not be what Power Platform presents here.",
                "Use v2 outside the public cloud.",
                location="--cloud",
            )
        ]
    return [replace(note, location="--cloud") for note in cloud_caveats(cloud)]


def run(args: argparse.Namespace) -> CommandResult:
    fic_format = FicFormat(args.fic_format)
    if (args.subject_dn is None) != (args.issuer_dn is None):
        finding = error(
            "usage.invalid",
            "--issuer-dn and --subject-dn go together.",
            "Give both DNs of a CA-issued certificate, as .NET prints X509Certificate2.Issuer and .Subject.",
        )
        return CommandResult("fic", exit_codes.USAGE, findings=[finding])
    if args.tenant_id is None and fic_format is not FicFormat.V0:
        finding = error("usage.invalid", f"--tenant-id is required for {fic_format.value}.", "Add --tenant-id.")
        return CommandResult("fic", exit_codes.USAGE, findings=[finding])
    findings: list[Finding] = []
    if args.tenant_id is not None:
        findings += [f.under("--tenant-id") for f in check_guid(args.tenant_id, "tenant ID")]
    findings += [f.under("--environment-id") for f in check_guid(args.environment_id, "environment ID")]
    certificate, certificate_findings, file_refused = _certificate(args)
    findings += certificate_findings
    if file_refused:
        return CommandResult("fic", exit_codes.USAGE, findings=findings)
    if certificate is not None:
        fits = check_certificate_for_format(certificate, fic_format)
        if args.certificate is not None:
            fits = [replace(f, location="--certificate") for f in fits]
        findings += _at_option(fits)
    findings += _cloud_notes(fic_format, args.cloud)
    if certificate is None or has_errors(findings):
        return CommandResult("fic", findings_exit_code(findings) or exit_codes.FINDINGS, findings=findings)
    strings = build_fic(fic_format, args.cloud, args.tenant_id or "", args.environment_id, certificate)
    data = {"issuer": strings.issuer, "subject": strings.subject, "audience": strings.audience}
    text = "\n".join(f"{name + ':':<9} {value}" for name, value in data.items())
    return CommandResult("fic", exit_codes.OK, data, text=text, findings=findings)
