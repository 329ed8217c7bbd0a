"""Properties: build -> decode round trips for every format, cloud and certificate form; nothing raises."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from validators.certificates import certificate_from_values
from validators.clouds import CLOUD_NAMES, credential_cloud
from validators.decode import check_credential, decode_issuer, decode_subject, decode_value
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic, dn_hash
from validators.tenant import decode_guid, encode_guid
from validators.values import invisible_characters

FAST = settings(max_examples=150, deadline=None)
guids = st.uuids().map(str)
hex64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
hex40 = st.binary(min_size=20, max_size=20).map(lambda b: b.hex().upper())
cn_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"), blacklist_characters="/"),
                  min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and "/s/" not in s and "/i/" not in s and not invisible_characters(s)
)
dns = st.builds(lambda cn, org: f"CN={cn}, O={org}, C=US",
                st.from_regex(r"[A-Za-z0-9 ]{1,20}", fullmatch=True).map(str.strip).filter(bool),
                st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True))


@st.composite
def certificates(draw: st.DrawFn, fic_format: FicFormat) -> CertificateIdentity:
    if fic_format is FicFormat.V0:
        return CertificateIdentity(match=CertificateMatch.HASH, thumbprint=draw(hex40))
    if draw(st.booleans()):
        return CertificateIdentity(match=CertificateMatch.HASH, sha256=draw(hex64))
    if fic_format is FicFormat.V1:
        cns = draw(st.tuples(cn_text, cn_text).filter(lambda p: not any(len(c) == 43 for c in p)))
        return CertificateIdentity(match=CertificateMatch.ISSUER_SUBJECT, issuer_cn=cns[0], subject_cn=cns[1])
    return CertificateIdentity(match=CertificateMatch.ISSUER_SUBJECT, issuer_dn=draw(dns), subject_dn=draw(dns))


@st.composite
def credentials(draw: st.DrawFn) -> tuple[FicFormat, str, str, str, CertificateIdentity]:
    fic_format = draw(st.sampled_from(list(FicFormat)))
    cloud = "public" if fic_format is FicFormat.V0 else draw(st.sampled_from(CLOUD_NAMES))
    return fic_format, cloud, draw(guids), draw(guids), draw(certificates(fic_format))


@FAST
@given(credentials())
def test_build_then_decode_round_trips(credential: tuple[FicFormat, str, str, str, CertificateIdentity]) -> None:
    fic_format, cloud, tenant_id, environment_id, certificate = credential
    built = build_fic(fic_format, cloud, tenant_id, environment_id, certificate)
    issuer, subject = decode_issuer(built.issuer), decode_subject(built.subject)
    assert fic_format in issuer.fic_formats and fic_format in subject.fic_formats
    assert subject.environment_id == environment_id
    assert subject.cloud == credential_cloud(cloud).name
    if fic_format is FicFormat.V0:
        assert issuer.environment_id == environment_id
        assert subject.thumbprint == certificate.thumbprint
    else:
        assert issuer.tenant_id == tenant_id and subject.tenant_id == tenant_id
        assert issuer.cloud == credential_cloud(cloud).name
        assert subject.sha256 == certificate.sha256
        assert (subject.issuer_cn, subject.subject_cn) == (certificate.issuer_cn, certificate.subject_cn)
        if fic_format is FicFormat.V2 and certificate.issuer_dn:
            assert (subject.issuer_hash, subject.subject_hash) == (
                dn_hash(certificate.issuer_dn), dn_hash(str(certificate.subject_dn))
            )
    findings = check_credential(built.issuer, built.subject, built.audience, fic_format.record_version)
    assert [f for f in findings if f.is_error] == []


@FAST
@given(st.uuids())
def test_tenant_encoding_round_trips(tenant: uuid.UUID) -> None:
    encoded = encode_guid(tenant)
    assert len(encoded) == 22 and decode_guid(encoded) == tenant


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_decoders_never_raise(text: str) -> None:
    for decoded in (decode_issuer(text), decode_subject(text), decode_value(text)):
        assert all(f.code and f.hint for f in decoded.findings)
    check_credential(text, text, text, 2)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"(https://|/eid1/c/pub/t/|component:)[\x00-\x7f\u200e]{0,90}", fullmatch=True))
def test_decoders_never_raise_on_near_misses(text: str) -> None:
    decode_value(text)
    check_credential(text, text, "api://AzureADTokenExchange", 1)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=20)), st.one_of(st.none(), st.text(max_size=70)),
       st.one_of(st.none(), st.text(max_size=50)), st.one_of(st.none(), st.text(max_size=60)),
       st.one_of(st.none(), st.text(max_size=60)))
def test_certificate_values_never_raise(
    match: str | None, sha256: str | None, thumbprint: str | None, issuer_dn: str | None, subject_dn: str | None
) -> None:
    identity, findings = certificate_from_values(match, sha256, thumbprint, issuer_dn, subject_dn)
    assert (identity is None) == any(f.is_error for f in findings)
