"""The review as data (the JSON ``result``) and as markdown ready to paste into a pull request.

Both are built from the same views and risks, in a fixed order, so the same input gives
byte-identical output. Values come from the model already masked: sensitive ones read
"(sensitive)", unknown ones "(known after apply)".
"""

from __future__ import annotations

from typing import Sequence

from ppmi.review.model import Action, Marker, ResourceChange, Value
from ppmi.review.rules import Risk, RiskLevel
from ppmi.review.views import CredentialView, DataverseView, GrantView, IdentityView, StackView

ACTION_ORDER = (Action.REPLACE, Action.DELETE, Action.UPDATE, Action.CREATE, Action.NO_OP, Action.READ)
JsonData = dict[str, object]
"""A JSON object of the result; ``ppmi.output`` serializes it."""
JsonItem = str | int | float | bool | None | list["JsonItem"] | dict[str, "JsonItem"]


def plain(value: Value) -> JsonItem:
    """A model value as JSON: markers become their text."""
    if isinstance(value, Marker):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in sorted(value.items())}
    return value


# Structured result -----------------------------------------------------------------------------------


def _change_data(change: ResourceChange) -> JsonData:
    data: JsonData = {"address": change.address, "type": change.type, "action": change.action.value}
    if change.action in (Action.UPDATE, Action.REPLACE):
        data["changed"] = list(change.changed)
    if change.replace_paths:
        data["replace_paths"] = list(change.replace_paths)
    if change.replace_order:
        data["replace_order"] = change.replace_order
    if change.action_reason:
        data["action_reason"] = change.action_reason
    if change.deposed:
        data["deposed"] = change.deposed
    if change.construct_path:
        data["construct_path"] = change.construct_path
    return data


def _identity_data(identity: IdentityView) -> JsonData:
    return {**_change_data(identity.change), "kind": identity.kind, "name": plain(identity.name), "client_id": plain(identity.client_id)}


def _credential_data(credential: CredentialView) -> JsonData:
    parts = credential.parts
    return {
        **_change_data(credential.change),
        "identity": credential.identity,
        "name": plain(credential.name),
        "issuer": plain(credential.issuer),
        "subject": plain(credential.subject),
        "audiences": [plain(a) for a in credential.audiences],
        "formats": [f.value for f in parts.fic_formats] if parts else [],
        "cloud": parts.cloud if parts else None,
        "tenant_id": parts.tenant_id if parts else None,
        "environment_id": parts.environment_id if parts else None,
        "environment": credential.environment_key,
        "certificate": parts.certificate if parts else None,
        "certificate_key": credential.certificate_key,
        "claim_changes": [
            {"claim": c.claim, "before": plain(c.before), "after": plain(c.after)} for c in credential.claim_changes
        ],
    }


def _grant_data(grant: GrantView) -> JsonData:
    data: JsonData = {**_change_data(grant.change), "kind": grant.kind, "identity": grant.identity, "target": plain(grant.target)}
    if grant.kind == "access_policy":
        data.update(
            secret_permissions=[plain(p) for p in grant.secret_permissions],
            key_permissions=[plain(p) for p in grant.key_permissions],
            certificate_permissions=[plain(p) for p in grant.certificate_permissions],
            storage_permissions=[plain(p) for p in grant.storage_permissions],
        )
    else:
        data.update(role_definition_name=plain(grant.role), role_definition_id=plain(grant.role_definition_id))
    return data


def _dataverse_data(item: DataverseView) -> JsonData:
    return {
        **_change_data(item.change),
        "kind": item.kind,
        "identity": item.identity,
        "environment_id": plain(item.environment_id),
        "environment": item.environment_key,
        "table": plain(item.table),
        "version": plain(item.version),
        "applicationid": plain(item.application_id),
        "operation": plain(item.description),
    }


def action_counts(view: StackView) -> dict[str, int]:
    return {action.value: sum(1 for c in view.stack.changes if c.action is action) for action in ACTION_ORDER}


def risk_counts(risks: Sequence[Risk]) -> dict[str, int]:
    return {level.value: sum(1 for r in risks if r.level is level) for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)}


def review_data(views: Sequence[StackView], risks: Sequence[Risk]) -> JsonData:
    """The JSON ``result`` of ``ppmi review``."""
    return {
        "risk_counts": risk_counts(risks),
        "risks": [r.to_dict() for r in risks],
        "stacks": [
            {
                "name": view.stack.name,
                "source": view.stack.source,
                "kind": view.stack.kind,
                "terraform_version": view.stack.terraform_version,
                "format_version": view.stack.format_version,
                "actions": action_counts(view),
                "identities": [_identity_data(i) for i in view.identities],
                "federated_credentials": [_credential_data(c) for c in view.credentials],
                "key_vault_grants": [_grant_data(g) for g in view.grants],
                "dataverse": [_dataverse_data(d) for d in view.dataverse],
                "other_resources": [_change_data(c) for c in view.others],
            }
            for view in views
        ],
    }


# Markdown --------------------------------------------------------------------------------------------


def code(value: Value) -> str:
    """A table cell: markers and empty values as plain text, the rest as inline code."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, Marker):
        return f"_{value.value}_"
    if isinstance(value, list):
        return ", ".join(code(v) for v in value)
    text = str(value).replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _text(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _action(change: ResourceChange) -> str:
    label = change.action.value
    if change.action in (Action.REPLACE, Action.DELETE):
        label = f"**{label}**"
    if change.replace_order == "create_before_destroy":
        label += " (create first)"
    if change.deposed:
        label += f" (deposed object {change.deposed})"
    return label


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _details(summary: str, body: list[str]) -> list[str]:
    if len(body) == 2 and body[1].startswith("|---"):
        body = ["None."]
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _credential_rows(credentials: Sequence[CredentialView]) -> list[list[str]]:
    rows = []
    for c in credentials:
        parts = c.parts
        environment = c.environment_key or (parts.environment_id if parts else None)
        rows.append(
            [
                _action(c.change),
                code(c.change.address),
                code(c.identity),
                code(c.name),
                code(parts.format_label if parts else None),
                code(parts.cloud if parts else None),
                code(parts.tenant_id if parts else None),
                code(environment),
                code(c.certificate_key or (parts.certificate if parts else None)),
            ]
        )
    return rows


def _credential_claims(credentials: Sequence[CredentialView]) -> list[str]:
    lines = []
    for c in credentials:
        lines.append(f"- {code(c.change.address)}")
        lines.append(f"  - issuer: {code(c.issuer)}")
        lines.append(f"  - subject: {code(c.subject)}")
        lines.append(f"  - audience: {code(list(c.audiences))}")
        if c.parts is not None and c.parts.certificate:
            lines.append(f"  - certificate: {code(c.parts.certificate)}")
        for claim in c.claim_changes:
            lines.append(f"  - {claim.claim} changes from {code(claim.before)} to {code(claim.after)}")
    return lines


def _grant_rows(grants: Sequence[GrantView]) -> list[list[str]]:
    rows = []
    for g in grants:
        if g.kind == "access_policy":
            permissions = "; ".join(
                f"{kind}: {code(list(values))}"
                for kind, values in (
                    ("secrets", g.secret_permissions),
                    ("keys", g.key_permissions),
                    ("certificates", g.certificate_permissions),
                    ("storage", g.storage_permissions),
                )
                if values
            )
        else:
            permissions = f"role {code(g.role if g.role is not None else g.role_definition_id)}"
        rows.append([_action(g.change), code(g.change.address), code(g.identity), code(g.target), permissions or "-"])
    return rows


def _dataverse_rows(items: Sequence[DataverseView]) -> list[list[str]]:
    rows = []
    for d in items:
        what = f"version {code(d.version)}" if d.kind == "record" else code(d.description if d.kind == "link" else d.table)
        rows.append(
            [_action(d.change), code(d.change.address), d.kind, code(d.environment_key or d.environment_id), code(d.identity), what]
        )
    return rows


def _stack_markdown(view: StackView, risks: Sequence[Risk]) -> list[str]:
    stack = view.stack
    source = f"plan from Terraform {stack.terraform_version}" if stack.kind == "plan" else "synthesized stack, every resource a planned create"
    lines = [f"### Stack `{stack.name}`", "", f"{_text(stack.source)}: {source}.", ""]
    counts = action_counts(view)
    lines += _table([a.value for a in ACTION_ORDER], [[str(counts[a.value]) for a in ACTION_ORDER]]) + [""]
    lines += _details(
        f"Identities ({len(view.identities)})",
        _table(
            ["action", "address", "kind", "name", "client_id"],
            [[_action(i.change), code(i.change.address), i.kind, code(i.name), code(i.client_id)] for i in view.identities],
        ),
    )
    lines += _details(
        f"Federated credentials ({len(view.credentials)})",
        _table(
            ["action", "address", "identity", "name", "format", "cloud", "tenant", "environment", "certificate"],
            _credential_rows(view.credentials),
        )
        + [""]
        + _credential_claims(view.credentials),
    )
    lines += _details(
        f"Key Vault grants ({len(view.grants)})",
        _table(["action", "address", "identity", "vault or scope", "access"], _grant_rows(view.grants)),
    )
    lines += _details(
        f"Dataverse ({len(view.dataverse)})",
        _table(["action", "address", "kind", "environment", "identity", "what"], _dataverse_rows(view.dataverse)),
    )
    if view.others:
        lines += _details(
            f"Other resources ({len(view.others)})",
            _table(["action", "address"], [[_action(c), code(c.address)] for c in view.others]),
        )
    stack_risks = [r for r in risks if r.stack == stack.name]
    if stack_risks:
        body = []
        for risk in stack_risks:
            body += [f"- **{risk.level.value}** `{risk.code}` at {code(risk.address)}", f"  - {risk.message}", f"  - Fix: {risk.hint}"]
        lines += _details(f"Risk details ({len(stack_risks)})", body)
    return lines


def review_markdown(views: Sequence[StackView], risks: Sequence[Risk], fail_on: RiskLevel | None) -> str:
    counts = risk_counts(risks)
    verdict = ", ".join(f"{n} {level}" for level, n in counts.items())
    lines = ["## ppmi review", "", f"Risks: {verdict}.", ""]
    if risks:
        lines += _table(
            ["severity", "code", "stack", "resource", "summary"],
            [[f"**{r.level.value}**", f"`{r.code}`", code(r.stack), code(r.address), _text(r.title)] for r in risks],
        )
    else:
        lines.append("No managed identity risks found.")
    lines.append("")
    threshold = f"at or above {fail_on.value}" if fail_on else "never"
    lines += [f"Fails on risks {threshold}.", ""]
    lines += _table(
        ["stack", "identities", "credentials", "grants", "dataverse", *(a.value for a in ACTION_ORDER[:4])],
        [
            [
                code(v.stack.name),
                str(len(v.identities)),
                str(len(v.credentials)),
                str(len(v.grants)),
                str(len(v.dataverse)),
                *(str(action_counts(v)[a.value]) for a in ACTION_ORDER[:4]),
            ]
            for v in views
        ],
    )
    lines.append("")
    for view in views:
        lines += _stack_markdown(view, risks)
    return "\n".join(lines).rstrip("\n") + "\n"
