"""``ppmi verify``: read what is really in Azure and Dataverse and compare it with the config, item by item.

Read-only: only GET requests are sent. Progress goes to stderr; the report goes to stdout.
"""

from __future__ import annotations

import argparse
import sys

from ppmi import exit_codes
from ppmi.commands.validate import config_path
from ppmi.output import CommandResult, usable_config
from ppmi.verify.checks import Selection, Verifier
from ppmi.verify.clients import CREDENTIAL_KINDS, Connections, EndpointOverrides, EnvironmentFailure, HttpOptions
from ppmi.verify.report import Report
from validators.clouds import CLOUD_NAMES, CLOUDS
from validators.config import load_config
from validators.findings import error

HELP = (
    "Check live Azure and Dataverse state against the config (read-only): identities, federated credentials, "
    "Key Vault access, managedidentity records and plug-in links."
)


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {value}")
    return number


def _not_negative(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = HttpOptions()
    parser.add_argument("config", nargs="?", default=None, help="config file (default: $PPMI_CONFIG, else ppmi.yaml)")
    parser.add_argument("--identity", action="append", default=[], metavar="KEY", help="check only this identity (repeatable)")
    parser.add_argument(
        "--environment", action="append", default=[], metavar="KEY", help="check only this environment (repeatable)"
    )
    parser.add_argument(
        "--credential",
        choices=CREDENTIAL_KINDS,
        default="default",
        help="how to sign in to Azure (default: default, azure-identity's DefaultAzureCredential chain)",
    )
    parser.add_argument(
        "--cloud", choices=CLOUD_NAMES, default=None, help="use this cloud's endpoints for every tenant (default: each tenant's cloud)"
    )
    parser.add_argument("--arm-endpoint", metavar="URL", help="Azure Resource Manager endpoint (default: the cloud's)")
    parser.add_argument("--graph-endpoint", metavar="URL", help="Microsoft Graph endpoint (default: the cloud's)")
    parser.add_argument(
        "--authority-host",
        metavar="HOST",
        help="Entra ID authority host (default: the cloud's); instance discovery is off for a host given here",
    )
    parser.add_argument("--timeout", type=_positive, default=defaults.timeout, metavar="S", help="seconds per request (default: 30)")
    parser.add_argument("--retries", type=int, default=defaults.retries, metavar="N", help="retries on 429, 5xx and dropped connections (default: 3)")
    parser.add_argument(
        "--retry-backoff",
        type=_not_negative,
        default=defaults.retry_backoff,
        metavar="S",
        help="back-off factor between retries, doubled each time; a Retry-After header wins (default: 0.8)",
    )


def _progress(message: str) -> None:
    sys.stderr.write(f"verify: {message}\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> CommandResult:
    path = config_path(args)
    loaded = load_config(path)
    config, failure = usable_config("verify", loaded, {"config": path})
    if config is None:
        return failure
    unknown = [
        error(
            "usage.invalid",
            f"{option} {key!r} is not in the config.",
            f"Use one of: {', '.join(sorted(known)) or '(none)'}.",
        )
        for option, keys, known in (
            ("--identity", args.identity, config.identities),
            ("--environment", args.environment, config.environments),
        )
        for key in keys
        if key not in known
    ]
    if unknown:
        return CommandResult("verify", exit_codes.USAGE, {"config": path}, findings=unknown)
    connections = Connections(
        config,
        args.credential,
        EndpointOverrides(
            cloud=CLOUDS[args.cloud] if args.cloud else None,
            arm=args.arm_endpoint,
            graph=args.graph_endpoint,
            authority_host=args.authority_host,
        ),
        HttpOptions(timeout=args.timeout, retries=max(0, args.retries), retry_backoff=args.retry_backoff),
    )
    verifier = Verifier(config, connections, Selection(tuple(args.identity), tuple(args.environment)), _progress)
    try:
        verifier.run()
        stopped = None
    except EnvironmentFailure as failure:
        stopped = failure
    report = Report(tuple(verifier.checks), stopped)
    return CommandResult(
        "verify",
        report.exit_code,
        report.data(path),
        text=report.text(),
        findings=loaded.findings + report.findings(),
    )
