"""Make the public certificates the example config refers to. Private keys are thrown away.

Running it again makes new keys, so the hashes in tests/golden change: regenerate those too.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HERE = Path(__file__).parent
NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso Ltd"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def certificate(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, signer: rsa.RSAPrivateKey) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(signer, hashes.SHA256())
    )


def main() -> None:
    self_signed_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    self_signed_name = name("Contoso Plugins Self-Signed")
    self_signed = certificate(self_signed_name, self_signed_name, self_signed_key, self_signed_key)
    (HERE / "contoso-plugins-selfsigned.cer").write_bytes(self_signed.public_bytes(serialization.Encoding.DER))

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = certificate(name("Contoso Plugins"), name("Contoso Issuing CA"), leaf_key, ca_key)
    (HERE / "contoso-plugins-ca.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    main()
