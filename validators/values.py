"""Checks of single values that every part of a config shares: GUIDs, keys, claim text.

Leaf checks return findings without a location; the caller prefixes where the value sits.
"""

from __future__ import annotations

import re
import unicodedata

from validators.findings import Finding, error
from validators.guids import CANONICAL_GUID, parse_guid

CONFIG_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TEMPLATE_SEQUENCES = ("${", "%{")

_INVISIBLE_NAMES = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE (BOM)",
    "\u00a0": "NO-BREAK SPACE",
}


def invisible_characters(value: str) -> list[tuple[int, str]]:
    """Positions and names of characters a person cannot see, such as the U+200E that the Windows
    certificate dialog puts in front of a copied thumbprint."""
    found = []
    for index, char in enumerate(value):
        if char in _INVISIBLE_NAMES:
            found.append((index, _INVISIBLE_NAMES[char]))
        elif unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp") and char not in "\t\n":
            found.append((index, unicodedata.name(char, f"U+{ord(char):04X}")))
    return found


def check_invisible(value: str) -> list[Finding]:
    found = invisible_characters(value)
    if not found:
        return []
    described = ", ".join(f"U+{ord(value[i]):04X} {name} at position {i}" for i, name in found)
    return [
        error(
            "value.invisible_character",
            f"The value contains characters that cannot be seen: {described}.",
            "Retype the value by hand, or delete and re-copy it; values copied from the Windows certificate "
            "dialog start with an invisible U+200E LEFT-TO-RIGHT MARK.",
            value=value,
        )
    ]


def check_template(value: str) -> list[Finding]:
    """Terraform would evaluate ``${...}``/``%{...}`` inside a synthesized string: refuse it."""
    for sequence in TEMPLATE_SEQUENCES:
        if sequence in value:
            return [
                error(
                    "value.template_sequence",
                    f"The value contains {sequence!r}, which Terraform would evaluate as a template.",
                    "Remove the sequence; ppmi writes every value literally and never needs Terraform templates.",
                    value=value,
                )
            ]
    return []


def check_text(value: str) -> list[Finding]:
    """What every string that reaches Terraform or Entra ID must satisfy."""
    return check_template(value) + check_invisible(value)


def check_guid(value: str, what: str) -> list[Finding]:
    """A GUID in the lower-case dashed form Entra ID and Power Platform compare against."""
    if CANONICAL_GUID.match(value):
        return []
    invisible = check_invisible(value)
    if invisible:
        return invisible
    parsed = parse_guid(value)
    if parsed is not None:
        return [
            error(
                "guid.not_canonical",
                f"The {what} {value!r} is a GUID but not in the canonical form.",
                f"Write it lower case with dashes: {parsed}",
                value=value,
            )
        ]
    return [
        error(
            "guid.invalid",
            f"The {what} {value!r} is not a GUID.",
            "Copy the ID again: a GUID is 32 hex digits in groups 8-4-4-4-12, such as "
            "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9.",
            value=value,
        )
    ]


def check_key(value: str, section: str) -> list[Finding]:
    if CONFIG_KEY.match(value):
        return []
    return [
        error(
            "config.invalid_key",
            f"The key {value!r} in {section} cannot name resources.",
            "Keys are 1-40 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit; "
            "they become Terraform construct ids and credential names.",
            value=value,
        )
    ]
