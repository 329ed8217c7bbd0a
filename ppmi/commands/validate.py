"""``ppmi validate``: every finding in a config at once, before anything is synthesized or deployed."""

from __future__ import annotations

import argparse
import os

from ppmi import exit_codes
from ppmi.output import CommandResult, usable_config
from validators.config import load_config
from validators.model import Config

HELP = "Check a config and report every finding at once: structure, identity strings, limits, consistency."
DEFAULT_CONFIG = "ppmi.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config",
        nargs="?",
        default=None,
        help=f"config file (default: $PPMI_CONFIG, else {DEFAULT_CONFIG})",
    )


def config_path(args: argparse.Namespace) -> str:
    return args.config or os.environ.get("PPMI_CONFIG") or DEFAULT_CONFIG


def summarize(config: Config) -> dict[str, object]:
    """What the config declares, as the later steps will build it."""
    return {
        "tenants": len(config.tenants),
        "environments": len(config.environments),
        "certificates": len(config.certificates),
        "identities": len(config.identities),
        "federated_credentials": sum(len(i.credentials) for i in config.identities.values()),
        "key_vault_grants": sum(len(v.grants) for v in config.key_vaults.values()),
        "dataverse_records": sum(len(i.dataverse) for i in config.identities.values()),
    }


def credential_rows(config: Config) -> list[dict[str, str]]:
    return [
        {
            "identity": identity.key,
            "name": credential.name,
            "environment": credential.environment_key,
            "certificate": credential.certificate_key,
            "fic_format": credential.fic_format.value,
            "issuer": credential.issuer,
            "subject": credential.subject,
            "audience": credential.audience,
        }
        for identity in config.identities.values()
        for credential in identity.credentials
    ]


_LABELS = {
    "tenants": ("tenant", "tenants"),
    "environments": ("environment", "environments"),
    "certificates": ("certificate", "certificates"),
    "identities": ("identity", "identities"),
    "federated_credentials": ("federated credential", "federated credentials"),
    "key_vault_grants": ("Key Vault grant", "Key Vault grants"),
    "dataverse_records": ("Dataverse record", "Dataverse records"),
}


def _count(value: int, name: str) -> str:
    singular, plural = _LABELS[name]
    return f"{value} {singular if value == 1 else plural}"


def run(args: argparse.Namespace) -> CommandResult:
    path = config_path(args)
    loaded = load_config(path)
    config, failure = usable_config("validate", loaded, {"config": path})
    if config is None:
        return failure
    counts = summarize(config)
    text = f"{path}: ok: " + ", ".join(_count(value, name) for name, value in counts.items())
    data = {"config": path, "counts": counts, "credentials": credential_rows(config)}
    return CommandResult("validate", exit_codes.OK, data, text=text, findings=loaded.findings)
