"""The encoded tenant in v1/v2 subjects (``/t/{T}/``).

Power Platform writes the tenant GUID's bytes in .NET ``Guid.ToByteArray()`` order (the first three
groups little-endian, Python's ``UUID.bytes_le``), base64url, without padding: always 22 characters.
Source: learn.microsoft.com/power-platform/admin/set-up-managed-identity; doc example tenant
5f8a1a9f-2e1a-415f-b10c-84c3736a21b9 -> nxqKXxouX0GxDITDc2ohuQ.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

ENCODED_GUID_LENGTH = 22
_ENCODED_GUID = re.compile(r"^[A-Za-z0-9_-]{22}$")

POWER_PLATFORM_APP_ID = "58e835ab-2e39-46a9-b797-accce6633447"
"""The Power Platform managed identity first-party app; its encoding is the fixed ``a/`` segment."""


def encode_guid(guid: str | uuid.UUID) -> str:
    """The .NET-order base64url (no padding) encoding of a GUID."""
    value = guid if isinstance(guid, uuid.UUID) else uuid.UUID(guid)
    return base64.urlsafe_b64encode(value.bytes_le).decode("ascii").rstrip("=")


def decode_guid(encoded: str) -> uuid.UUID | None:
    """The inverse of ``encode_guid``; None when ``encoded`` is not 22 base64url characters."""
    if not _ENCODED_GUID.match(encoded):
        return None
    try:
        raw = base64.urlsafe_b64decode(encoded + "==")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 or base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != encoded:
        return None
    return uuid.UUID(bytes_le=raw)


POWER_PLATFORM_APP_SEGMENT = encode_guid(POWER_PLATFORM_APP_ID)
