"""``ppmi clone``: add an environment with the identities, certificates and grants of an existing one."""

from __future__ import annotations

import argparse
from pathlib import Path

from ppmi import exit_codes
from ppmi.clone import CloneRequest, apply_clone, plan_clone
from ppmi.config_edit import edit_exit_code, finish_edit, open_for_edit
from ppmi.output import CommandResult, findings_exit_code
from validators.findings import error

HELP = (
    "Give a new environment the set-up of an existing one: in the same tenant the identities that serve the "
    "source also serve the new environment; in another tenant matching identities and Key Vault grants are "
    "created there, and the Dataverse managedidentity records to re-point are listed. Prints the change as a "
    "diff; --write edits the file in place, keeping its comments and key order."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="the ppmi config file (YAML or JSON)")
    parser.add_argument("--environment", required=True, metavar="SRC", help="key of the environment to clone")
    parser.add_argument("--to", required=True, metavar="NEW_KEY", help="key of the new environment")
    parser.add_argument(
        "--environment-id", required=True, metavar="GUID", help="Power Platform environment ID of the new environment"
    )
    tenant = parser.add_mutually_exclusive_group()
    tenant.add_argument("--tenant", metavar="KEY", help="an existing tenant of the config (default: the source's)")
    tenant.add_argument("--tenant-id", metavar="GUID", help="the tenant ID of a tenant to add (or one already there)")
    parser.add_argument(
        "--tenant-key", metavar="KEY", help="key for the tenant added with --tenant-id (default: tenant-<first 8 digits>)"
    )
    parser.add_argument("--url", help="Dataverse URL of the new environment, such as https://contoso-uat.crm.dynamics.com")
    parser.add_argument("--write", action="store_true", help="edit the config in place (default: print the diff only)")


def run(args: argparse.Namespace) -> CommandResult:
    path = Path(args.config)
    if args.tenant_key is not None and args.tenant_id is None:
        finding = error(
            "usage.invalid",
            "ppmi clone: --tenant-key names a tenant added with --tenant-id; pass --tenant-id too.",
            "Use --tenant KEY for a tenant already in the config.",
        )
        return CommandResult("clone", exit_codes.USAGE, {"config": args.config}, findings=[finding])
    source, findings, unreadable = open_for_edit(path)
    if source is None:
        code = exit_codes.USAGE if unreadable else findings_exit_code(findings)
        return CommandResult("clone", code, {"config": args.config}, findings=findings)
    request = CloneRequest(
        source_environment=args.environment,
        new_environment=args.to,
        environment_id=args.environment_id,
        tenant_key=args.tenant,
        tenant_id=args.tenant_id,
        new_tenant_key=args.tenant_key,
        url=args.url,
    )
    plan = plan_clone(source.config, request)
    if plan.findings:
        data = {"config": args.config, "plan": plan.to_dict(), "diff": "", "written": False}
        return CommandResult("clone", exit_codes.FINDINGS, data, findings=plan.findings)
    apply_clone(source.document, source.config, plan)
    outcome = finish_edit(source.document, source.baseline, write=args.write)
    data = {"config": args.config, "plan": plan.to_dict(), "diff": outcome.diff, "written": outcome.written}
    text = "\n\n".join(part for part in (plan.describe(), outcome.diff.rstrip("\n"), outcome.status(args.config)) if part)
    return CommandResult("clone", edit_exit_code(outcome.findings), data, text=text, findings=outcome.findings)
