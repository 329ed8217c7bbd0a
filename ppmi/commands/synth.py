"""``ppmi synth``: validate a config and synthesize its Terraform stacks, all or nothing."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from ppmi import exit_codes
from ppmi.output import CommandResult, usable_config
from ppmi.commands.validate import DEFAULT_CONFIG, config_path
from validators.config import load_config
from validators.findings import error

HELP = "Validate a config and synthesize one Terraform stack per tenant to cdktf.out/ (nothing is written on errors)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", default=None, help=f"config file (default: $PPMI_CONFIG, else {DEFAULT_CONFIG})")
    parser.add_argument("--out", default=None, help="output folder (default: $CDKTF_OUTDIR, else cdktf.out)")


def run(args: argparse.Namespace) -> CommandResult:
    path = config_path(args)
    loaded = load_config(path)
    config, failure = usable_config("synth", loaded, {"config": path})
    if config is None:
        return failure
    if shutil.which(os.environ.get("JSII_NODE", "node")) is None:
        missing = error(
            "synth.node_missing",
            "Node.js is not on PATH; the CDK runtime needs it to synthesize.",
            "Install Node.js 20 or later (https://nodejs.org) and run again.",
        )
        return CommandResult("synth", exit_codes.ENVIRONMENT, {"config": path}, findings=[*loaded.findings, missing])
    from stacks.synth import synthesize  # the CDK runtime starts only for a valid config

    try:
        summary = synthesize(config, Path(args.out) if args.out else None)
    except OSError as exc:
        failed = error(
            "synth.write_failed",
            f"could not write the synthesized stacks: {exc}",
            "Check that the output folder's parent exists and is writable; the previous output was left as it was.",
            value=str(exc.filename) if exc.filename else None,
        )
        return CommandResult("synth", exit_codes.USAGE, {"config": path}, findings=[*loaded.findings, failed])
    data = {"config": path, "library": summary.library, **summary.to_dict()}
    return CommandResult("synth", exit_codes.OK, data, text=summary.describe(), findings=loaded.findings)
