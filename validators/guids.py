"""GUIDs in the one canonical form Azure and Power Platform compare against."""

from __future__ import annotations

import re
import uuid

GUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CANONICAL_GUID = re.compile(rf"^{GUID_PATTERN}$")
_ANY_CASE_GUID = re.compile(rf"^{GUID_PATTERN}$", re.IGNORECASE)
_BARE_HEX = re.compile(r"^[0-9a-fA-F]{32}$")


def is_canonical_guid(value: str) -> bool:
    """Lower case, dashed, 36 characters: the form used in issuers, subjects and records."""
    return bool(CANONICAL_GUID.match(value))


def parse_guid(value: str) -> uuid.UUID | None:
    """A GUID in any accepted spelling (upper case, braces, no dashes), or None."""
    text = value.strip().removeprefix("{").removesuffix("}")
    if _ANY_CASE_GUID.match(text) or _BARE_HEX.match(text):
        return uuid.UUID(text)
    return None


def canonical_guid(value: str) -> str | None:
    parsed = parse_guid(value)
    return str(parsed) if parsed else None
