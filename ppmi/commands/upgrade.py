"""``ppmi upgrade``: the safe move from the v1 to the v2 credential format, one deployable step at a time."""

from __future__ import annotations

import argparse
from pathlib import Path

from ppmi import exit_codes
from ppmi.config_edit import edit_exit_code, finish_edit, open_for_edit
from ppmi.output import CommandResult, findings_exit_code
from ppmi.upgrade import apply_upgrade, plan_upgrade

HELP = (
    "Plan the documented safe order from v1 to v2 credentials as config changes: phase 1 adds v2 next to v1, "
    "phase 2 sets record_version 2 (then verify), phase 3 removes v1. 'auto' finds each identity's next phase. "
    "Prints the plan and the diff; --write applies it, keeping the file's comments and key order."
)
PHASES = ("1", "2", "3", "auto")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="the ppmi config file (YAML or JSON)")
    parser.add_argument("--to", required=True, choices=("v2",), help="the target format (v2)")
    parser.add_argument(
        "--identity", action="append", default=[], metavar="KEY", help="upgrade only this identity (repeatable; default: all)"
    )
    parser.add_argument("--phase", choices=PHASES, default="auto", help="the phase to apply (default: auto, each identity's next)")
    parser.add_argument("--write", action="store_true", help="edit the config in place (default: print the diff only)")


def run(args: argparse.Namespace) -> CommandResult:
    source, findings, unreadable = open_for_edit(Path(args.config))
    if source is None:
        code = exit_codes.USAGE if unreadable else findings_exit_code(findings)
        return CommandResult("upgrade", code, {"config": args.config}, findings=findings)
    plan = plan_upgrade(source.config, args.identity, args.phase)
    if plan.findings:
        data = {"config": args.config, "plan": plan.to_dict(), "diff": "", "written": False}
        return CommandResult("upgrade", exit_codes.FINDINGS, data, text=plan.describe(), findings=plan.findings)
    apply_upgrade(source.document, plan)
    outcome = finish_edit(source.document, source.baseline, write=args.write)
    data = {"config": args.config, "plan": plan.to_dict(), "diff": outcome.diff, "written": outcome.written}
    text = "\n\n".join(part for part in (plan.describe(), outcome.diff.rstrip("\n"), outcome.status(args.config)) if part)
    return CommandResult("upgrade", edit_exit_code(outcome.findings), data, text=text, findings=outcome.findings)
