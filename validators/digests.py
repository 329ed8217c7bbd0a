"""Digests as people paste them: hex in either case, hex with byte separators, or base64 of either alphabet.

Certificate values in the config and hash segments of subjects are diagnosed from the same reading, so a
base64 hash or a colon-separated thumbprint is recognized the same way wherever it appears.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import Enum

HEX = re.compile(r"^[0-9a-fA-F]+$")
LOWER_HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEPARATED_HEX = re.compile(r"^[0-9a-fA-F]{2}(?:[:\s-][0-9a-fA-F]{2})+$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")

SHA1_SIZE = 20
SHA256_SIZE = 32


class Spelling(str, Enum):
    HEX = "hex"
    SEPARATED_HEX = "separated_hex"
    BASE64 = "base64"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class DigestText:
    """How a digest was written and, when it could be read, its bytes."""

    spelling: Spelling
    digest: bytes | None = None

    @property
    def size(self) -> int | None:
        return len(self.digest) if self.digest is not None else None


def base64_bytes(text: str) -> bytes | None:
    """The bytes of base64 or base64url text, padded or not; None when it is neither."""
    if not text or not _BASE64.match(text):
        return None
    normalized = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(normalized + "=" * (-len(normalized) % 4))
    except (binascii.Error, ValueError):
        return None


def read_digest(text: str) -> DigestText:
    """Hex first (hex digits are base64 characters too), then separated hex, then base64."""
    if HEX.match(text) and len(text) % 2 == 0:
        return DigestText(Spelling.HEX, bytes.fromhex(text))
    if SEPARATED_HEX.match(text):
        return DigestText(Spelling.SEPARATED_HEX, bytes.fromhex(re.sub(r"[:\s-]", "", text)))
    raw = base64_bytes(text)
    if raw is not None and len(raw) in (SHA1_SIZE, SHA256_SIZE):
        return DigestText(Spelling.BASE64, raw)
    return DigestText(Spelling.UNREADABLE)
