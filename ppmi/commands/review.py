"""``ppmi review``: what synthesized stacks or a Terraform plan do to managed identities, and the
changes that would break plug-ins, as a pull-request comment or one JSON document."""

from __future__ import annotations

import argparse
from pathlib import Path

from ppmi import exit_codes
from ppmi.output import CommandResult, usable_config
from ppmi.review.readers import read_path
from ppmi.review.render import review_data, review_markdown
from ppmi.review.rules import RiskLevel, assess
from ppmi.review.views import build_view
from validators.config import load_config
from validators.model import Config

HELP = (
    "Review synthesized stacks (cdktf.out, a stack folder, a cdk.tf.json) or a Terraform plan in JSON form "
    "('terraform show -json plan.out') for managed identity risks: replaced identities, changed credentials, "
    "invalid credential values, broad Key Vault access, record versions that do not match."
)
FAIL_ON = ("high", "medium", "never")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="cdktf.out, cdktf.out/stacks/<name>, a cdk.tf.json, or a plan JSON file")
    parser.add_argument("--config", help="the ppmi config: names environments and certificates, flags unknown environments")
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="markdown (default, ready for a pull-request comment) or json (the CLI envelope)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="high",
        help="exit 1 when a risk at or above this severity exists (default: high; never: always exit 0)",
    )


def _config(path: str | None) -> tuple[Config | None, CommandResult | None]:
    if path is None:
        return None, None
    config, failure = usable_config("review", load_config(path), {"config": path}, invalid_exit_code=exit_codes.USAGE)
    return config, None if config is not None else failure


def run(args: argparse.Namespace) -> CommandResult:
    config, failure = _config(args.config)
    if failure is not None:
        return failure
    read = read_path(Path(args.path))
    if read.findings:
        return CommandResult("review", exit_codes.USAGE, {"path": args.path}, findings=list(read.findings))
    fail_on = None if args.fail_on == "never" else RiskLevel(args.fail_on)
    views = [build_view(stack, config) for stack in read.stacks]
    risks = sorted(
        (risk for view in views for risk in assess(view, config)),
        key=lambda r: (-r.level.rank, r.stack, r.address, r.code),
    )
    blocking = fail_on is not None and any(r.level.rank >= fail_on.rank for r in risks)
    data = {"path": args.path, "fail_on": args.fail_on, **review_data(views, risks)}
    if args.format == "json":
        findings = [r.to_finding(fail_on) for r in risks]
        return CommandResult("review", exit_codes.FINDINGS if blocking else exit_codes.OK, data, findings=findings)
    text = review_markdown(views, risks, fail_on)
    return CommandResult("review", exit_codes.FINDINGS if blocking else exit_codes.OK, data, text=text)
