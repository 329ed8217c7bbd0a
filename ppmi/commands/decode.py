"""``ppmi decode``: explain an issuer, subject or audience, and with a config say where it belongs.

Typical use: paste the subject from an AADSTS700213 error or from the Azure portal; ppmi shows its
parts, every known mistake in it, and which identity/environment/certificate of the config it is, or
the nearest expected value and the first character where the two differ.
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass, fields

from ppmi import exit_codes
from ppmi.output import CommandResult, findings_exit_code, usable_config
from validators.config import load_config
from validators.decode import Decoded, decode_value
from validators.findings import Finding, error
from validators.model import Config

HELP = "Explain an issuer, subject or audience: its parts, what is wrong, and where it belongs in a config."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("value", help="an issuer, subject or audience (quote it in the shell)")
    parser.add_argument("--config", help="a ppmi config: say which credential the value belongs to")


@dataclass(frozen=True)
class CredentialRef:
    identity: str
    credential: str
    environment: str
    certificate: str
    fic_format: str
    expected: str

    def to_dict(self) -> dict[str, str]:
        return {
            "identity": self.identity,
            "credential": self.credential,
            "environment": self.environment,
            "certificate": self.certificate,
            "fic_format": self.fic_format,
        }


def parts_of(decoded: Decoded) -> dict[str, str]:
    """The decoded parts worth showing, as strings, without the value itself and the findings."""
    shown: dict[str, str] = {}
    for item in fields(decoded):
        if item.name in ("value", "findings", "kind"):
            continue
        content = getattr(decoded, item.name)
        if content is None or content == ():
            continue
        if item.name == "fic_formats":
            shown["fic_format"] = "/".join(f.value for f in content)
        elif hasattr(content, "value"):
            shown[item.name] = str(content.value)
        else:
            shown[item.name] = str(content)
    return shown


def candidates(config: Config, kind: str) -> list[CredentialRef]:
    return [
        CredentialRef(
            identity=identity.key,
            credential=credential.name,
            environment=credential.environment_key,
            certificate=credential.certificate_key,
            fic_format=credential.fic_format.value,
            expected=getattr(credential, kind),
        )
        for identity in config.identities.values()
        for credential in identity.credentials
    ]


def first_difference(value: str, expected: str) -> int:
    """0-based index of the first differing character (the shorter length if one is a prefix)."""
    for index, (got, want) in enumerate(zip(value, expected)):
        if got != want:
            return index
    return min(len(value), len(expected))


def match_in_config(value: str, kind: str, config: Config) -> tuple[dict[str, object], list[Finding]]:
    """Which credentials carry ``value``; if none, the nearest expected value and where it differs."""
    refs = candidates(config, kind)
    exact = [ref for ref in refs if ref.expected == value]
    if exact:
        return {"matches": [ref.to_dict() for ref in exact]}, []
    if not refs:
        return {"matches": []}, [
            error(
                "decode.no_match",
                "The config declares no federated credentials to compare with.",
                "Add identities with environments and certificates to the config.",
                location=kind,
            )
        ]
    scored = sorted(
        refs,
        key=lambda ref: (
            -difflib.SequenceMatcher(None, value, ref.expected, autojunk=False).ratio(),
            ref.identity,
            ref.credential,
        ),
    )
    nearest = scored[0]
    position = first_difference(value, nearest.expected)
    got = value[position : position + 1] or "(end)"
    want = nearest.expected[position : position + 1] or "(end)"
    nearest_data = {
        **nearest.to_dict(),
        "expected": nearest.expected,
        "first_difference": position,
        "expected_character": want,
        "actual_character": got,
    }
    finding = error(
        "decode.no_match",
        f"No credential in the config has this {kind}. Nearest: {nearest.identity}/{nearest.credential}; the first "
        f"difference is at character {position} (0-based): {got!r} where {want!r} is expected.",
        f"The expected {kind} is {nearest.expected}",
        location=kind,
        value=value,
    )
    return {"matches": [], "nearest": nearest_data}, [finding]


def _text(value: str, decoded: Decoded, parts: dict[str, str], placed: dict[str, object] | None) -> str:
    width = max((len(name) for name in parts), default=0)
    lines = [f"{decoded.kind}: {value}"]
    lines += [f"  {name.ljust(width)}  {content}" for name, content in parts.items()]
    if placed is not None:
        matches = placed.get("matches") or []
        for match in matches:
            if isinstance(match, dict):
                lines.append(
                    "belongs to: identity {identity}, credential {credential} (environment {environment}, "
                    "certificate {certificate}, {fic_format})".format(**match)
                )
        nearest = placed.get("nearest")
        if isinstance(nearest, dict):
            position = int(str(nearest["first_difference"]))
            lines.append(f"nearest: identity {nearest['identity']}, credential {nearest['credential']}")
            lines.append(f"  expected  {nearest['expected']}")
            lines.append(f"  actual    {value}")
            lines.append(f"            {' ' * position}^ first difference at character {position}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> CommandResult:
    decoded = decode_value(args.value)
    findings: list[Finding] = list(decoded.findings)
    parts = parts_of(decoded)
    data: dict[str, object] = {"kind": decoded.kind, "value": args.value, "parts": parts}
    placed: dict[str, object] | None = None
    if args.config:
        config, failure = usable_config(
            "decode", load_config(args.config), {**data, "config": args.config}, invalid_exit_code=exit_codes.USAGE
        )
        if config is None:
            return failure
        placed, found = match_in_config(args.value, decoded.kind, config)
        findings += found
        data.update(placed)
        data["config"] = args.config
    text = _text(args.value, decoded, parts, placed)
    return CommandResult("decode", findings_exit_code(findings), data, text=text, findings=findings)
