"""Distinguished names exactly as .NET ``X509Certificate2.Issuer`` / ``.Subject`` render them.

The v2 ``i/``/``s/`` subject segments hash these strings, so one differing character breaks the
credential (AADSTS700213). Sources for the rules implemented here:

- dotnet/runtime ``X500NameEncoder.ManagedDecode.cs`` (the managed decoder .NET uses off Windows,
  written to match Windows ``CertNameToStr(CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG)``, which
  ``X509Certificate2.Subject`` calls on Windows where Dataverse plug-ins run): RDNs in reverse ASN.1
  order separated by ``", "``; attributes of a multi-valued RDN in encoded order joined by ``" + "``;
  string values with trailing NUL characters removed; a value is put in double quotes, inner ``"``
  doubled, when it is empty, starts or ends with a space or U+0009..U+000D, or contains one of
  ``, + = " \\n < > # ;``; values that are not character strings print as ``#`` and upper-case hex
  (an OCTET STRING shows only its contents) and are never quoted.
- dotnet/corefx ``OidLookup.cs`` (``s_friendlyNameToOid``, "names ... come from Windows"): the short
  names below; any other attribute type prints as ``OID.`` and its dotted number.
- Windows renderings of real certificates (Authenticode and MSIX publisher strings), used as test
  vectors, for example ``CN="Fusion Technology Strategies, Inc.", O=..., L=Ormond Beach, S=Florida,
  C=US, SERIALNUMBER=P15000091612, OID.2.5.4.15=Private Organization, OID.1.3.6.1.4.1.311.60.2.1.2=
  Florida``.

Not sourced: how .NET decodes T61String bytes above 0x7F (``cryptography`` gives Latin-1 here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.name import _ASN1Type

DOTNET_ATTRIBUTE_NAMES: dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "SERIALNUMBER",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "S",
    "2.5.4.9": "STREET",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "T",
    "2.5.4.13": "Description",
    "2.5.4.17": "PostalCode",
    "2.5.4.18": "POBox",
    "2.5.4.20": "Phone",
    "2.5.4.24": "X21Address",
    "2.5.4.42": "G",
    "2.5.4.43": "I",
    "2.5.4.46": "dnQualifier",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "E",
}
"""Attribute types .NET (and Windows) print by short name; from dotnet/corefx OidLookup.cs."""

_OID_BY_DOTNET_NAME = {name.upper(): oid for oid, name in DOTNET_ATTRIBUTE_NAMES.items()}

OTHER_ATTRIBUTE_NAMES: dict[str, str] = {
    "ST": "S",
    "STATEORPROVINCENAME": "S",
    "EMAILADDRESS": "E",
    "EMAIL": "E",
    "COMMONNAME": "CN",
    "ORGANIZATIONNAME": "O",
    "ORGANIZATIONALUNITNAME": "OU",
    "LOCALITYNAME": "L",
    "COUNTRYNAME": "C",
    "STREETADDRESS": "STREET",
    "GIVENNAME": "G",
    "GN": "G",
    "SURNAME": "SN",
    "TITLE": "T",
    "INITIALS": "I",
    "DOMAINCOMPONENT": "DC",
    "POSTALCODE": "PostalCode",
    "BUSINESSCATEGORY": "OID.2.5.4.15",
    "UID": "OID.0.9.2342.19200300.100.1.1",
}
"""Names OpenSSL, RFC 4514 and Java print where .NET prints another: the .NET spelling."""

_QUOTE_NEEDING = frozenset(',+="\n<>#;')
_QUOTABLE_WHITESPACE = frozenset(" \t\n\x0b\x0c\r")

_CHARACTER_STRING_TYPES = frozenset(
    {
        _ASN1Type.BMPString,
        _ASN1Type.IA5String,
        _ASN1Type.NumericString,
        _ASN1Type.PrintableString,
        _ASN1Type.UTF8String,
        _ASN1Type.T61String,
    }
)


def _needs_quoting(value: str) -> bool:
    if not value:
        return True
    if value[0] in _QUOTABLE_WHITESPACE or value[-1] in _QUOTABLE_WHITESPACE:
        return True
    return any(char in _QUOTE_NEEDING for char in value)


def quote_value(value: str) -> str:
    """One attribute value as .NET prints it: quoted (inner quotes doubled) only when needed."""
    return '"' + value.replace('"', '""') + '"' if _needs_quoting(value) else value


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _binary_value(attribute: x509.NameAttribute) -> str:
    """The ``#HEX`` form .NET prints for values that are not one of its character string types."""
    value = attribute.value
    asn1_type = attribute._type
    if isinstance(value, bytes):
        if asn1_type is _ASN1Type.OctetString:
            return "#" + value.hex().upper()
        content = b"\x00" + value if asn1_type is _ASN1Type.BitString else value
    elif asn1_type is _ASN1Type.UniversalString:
        content = value.encode("utf-32-be")
    else:
        content = value.encode("latin-1", errors="replace")
    return "#" + (bytes([asn1_type.value]) + _der_length(len(content)) + content).hex().upper()


def attribute_name(oid: x509.ObjectIdentifier) -> str:
    return DOTNET_ATTRIBUTE_NAMES.get(oid.dotted_string, f"OID.{oid.dotted_string}")


def render_attribute(attribute: x509.NameAttribute) -> str:
    if isinstance(attribute.value, str) and attribute._type in _CHARACTER_STRING_TYPES:
        rendered = quote_value(attribute.value.rstrip("\0"))
    else:
        rendered = _binary_value(attribute)
    return f"{attribute_name(attribute.oid)}={rendered}"


def dotnet_dn(name: x509.Name) -> str:
    """The DN as .NET ``X509Certificate2.Issuer``/``.Subject`` renders it (see the module docstring).

    Example: the name encoded as C=US, O=Contoso Ltd, CN=Contoso Plugins renders as
    ``CN=Contoso Plugins, O=Contoso Ltd, C=US``.
    """
    return ", ".join(" + ".join(render_attribute(a) for a in rdn) for rdn in reversed(name.rdns))


def common_name(name: x509.Name) -> str | None:
    """The most specific CN (the first one .NET prints), for the legacy v1 ``i/``/``s/`` form."""
    for rdn in reversed(name.rdns):
        for attribute in rdn:
            if attribute.oid.dotted_string == "2.5.4.3" and isinstance(attribute.value, str):
                return attribute.value
    return None


@dataclass(frozen=True)
class ParsedDn:
    """A DN string read leniently, with what it reveals about how it was written."""

    rdns: tuple[tuple[tuple[str, str], ...], ...]
    """RDNs in written order; each is (attribute name as written, unquoted value) pairs."""
    comma_without_space: bool
    spaced_equals: bool
    backslash_escapes: bool
    slash_form: bool

    def rendered(self) -> str:
        """The same attributes in .NET's spelling, in the written order."""
        return ", ".join(
            " + ".join(f"{dotnet_attribute_name(name)}={quote_value(value)}" for name, value in rdn)
            for rdn in self.rdns
        )

    def reversed_rendered(self) -> str:
        return ParsedDn(tuple(reversed(self.rdns)), False, False, False, False).rendered()

    def first_value(self, dotnet_name: str) -> str | None:
        for rdn in self.rdns:
            for name, value in rdn:
                if dotnet_attribute_name(name) == dotnet_name:
                    return value
        return None


def dotnet_attribute_name(written: str) -> str:
    """The .NET spelling of an attribute name as someone may have written it (``ST`` -> ``S``)."""
    upper = written.strip().upper()
    if upper.startswith("OID."):
        dotted = written.strip()[4:]
        return DOTNET_ATTRIBUTE_NAMES.get(dotted, f"OID.{dotted}")
    if re.fullmatch(r"\d+(\.\d+)+", upper):
        return DOTNET_ATTRIBUTE_NAMES.get(upper, f"OID.{upper}")
    if upper in _OID_BY_DOTNET_NAME:
        return DOTNET_ATTRIBUTE_NAMES[_OID_BY_DOTNET_NAME[upper]]
    return OTHER_ATTRIBUTE_NAMES.get(upper, written.strip())


_ATTRIBUTE_NAME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*|(?:OID\.)?\d+(?:\.\d+)+)\s*$", re.IGNORECASE)


def parse_dn(text: str) -> ParsedDn | None:
    """Read a DN written by .NET, RFC 4514 tools or OpenSSL (``/C=US/O=X/CN=Y``); None if unreadable.

    Accepts ``"..."`` quoting with doubled quotes (.NET) and backslash escapes (RFC 4514), so that a
    DN pasted from another tool can be explained and rewritten in .NET's form.
    """
    slash_form = text.startswith("/") and "=" in text
    source = text[1:] if slash_form else text
    separators = "/" if slash_form else ",;"
    rdns: list[tuple[tuple[str, str], ...]] = []
    current: list[tuple[str, str]] = []
    comma_without_space = spaced_equals = backslash_escapes = False
    index = 0
    length = len(source)
    while index <= length:
        equals = source.find("=", index)
        if equals < 0:
            return None
        match = _ATTRIBUTE_NAME.match(source[index:equals])
        if not match:
            return None
        if source[index:equals] != source[index:equals].rstrip() or source[equals + 1 : equals + 2] == " ":
            spaced_equals = True
        name = match.group(1)
        position = equals + 1
        while position < length and source[position] == " ":
            position += 1
        value_chars: list[str] = []
        if position < length and source[position] == '"':
            position += 1
            while True:
                if position >= length:
                    return None
                char = source[position]
                if char == '"':
                    if source[position + 1 : position + 2] == '"':
                        value_chars.append('"')
                        position += 2
                        continue
                    position += 1
                    break
                if char == "\\" and position + 1 < length:
                    backslash_escapes = True
                    value_chars.append(source[position + 1])
                    position += 2
                    continue
                value_chars.append(char)
                position += 1
            while position < length and source[position] == " ":
                position += 1
            if position < length and source[position] not in separators + "+":
                return None
            value = "".join(value_chars)
        else:
            while position < length and source[position] not in separators + "+":
                char = source[position]
                if char == "\\" and position + 1 < length:
                    backslash_escapes = True
                    value_chars.append(source[position + 1])
                    position += 2
                    continue
                value_chars.append(char)
                position += 1
            value = "".join(value_chars).rstrip(" ")
        current.append((name, value))
        if position >= length:
            rdns.append(tuple(current))
            break
        separator = source[position]
        position += 1
        if separator == "+":
            while position < length and source[position] == " ":
                position += 1
            index = position
            continue
        rdns.append(tuple(current))
        current = []
        if not slash_form:
            if position < length and source[position] != " ":
                comma_without_space = True
            while position < length and source[position] == " ":
                position += 1
        index = position
    if not rdns:
        return None
    return ParsedDn(tuple(rdns), comma_without_space, spaced_equals, backslash_escapes, slash_form)
