"""Give a new environment, in the same tenant or another one, the set-up of an existing environment.

Copying a Dataverse environment (or moving its solutions) into another tenant leaves three things to
redo: every issuer and subject (they name the tenant and the environment), the identity and its Key
Vault access (an identity lives in one tenant), and the ``managedidentity`` record that travelled with
the solution and still carries the old identity's ``applicationid`` (domain.md section 4).

``plan_clone`` decides everything on the validated model and reports refusals as findings;
``apply_clone`` turns a plan into edits of the user's file, keeping its comments and key order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap

from ppmi.config_edit import ConfigDocument, add_line_comment, append_item, copy_plain, insert_after, new_map, new_seq
from validators.fic import MAX_CREDENTIALS_PER_IDENTITY
from validators.findings import Finding, error
from validators.model import Config, Identity, KeyVault
from validators.values import check_guid, check_key

MAX_KEY_LENGTH = 40
MAX_IDENTITY_NAME_LENGTH = 128
DATAVERSE_API = "api/data/v9.2"


@dataclass(frozen=True)
class CloneRequest:
    """What to clone where; exactly one of ``tenant_key`` and ``tenant_id`` names another tenant, or neither."""

    source_environment: str
    new_environment: str
    environment_id: str
    tenant_key: str | None = None
    tenant_id: str | None = None
    new_tenant_key: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class IdentityChange:
    """An identity that serves the new environment: the source's own one, or a new one in the target tenant."""

    source_key: str
    target_key: str
    created: bool
    credentials_before: int
    credentials_after: int

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source_key,
            "identity": self.target_key,
            "created": self.created,
            "credentials_before": self.credentials_before,
            "credentials_after": self.credentials_after,
        }


@dataclass(frozen=True)
class GrantChange:
    """Access of a new identity to a vault in the target tenant, or what to add by hand when there is none."""

    identity_key: str
    source_key_vault: str
    key_vault: str | None
    copy_body: bool = True
    """False when the target vault's authorization differs: the grant then takes that vault's defaults."""

    def to_dict(self) -> dict[str, object]:
        return {
            "identity": self.identity_key,
            "source_key_vault": self.source_key_vault,
            "key_vault": self.key_vault,
            "manual": self.key_vault is None,
        }


@dataclass(frozen=True)
class RecordAction:
    """What must happen to the Dataverse ``managedidentity`` record of one identity in the new environment."""

    identity_key: str
    kind: str
    """``fill_in``: add the new environment's record and plug-in ids to the config;
    ``repoint``: the copied record must get the new identity's ``applicationid`` and ``tenantid``."""
    text: str
    source_record_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "identity": self.identity_key,
            "action": self.kind,
            "source_record_id": self.source_record_id,
            "text": self.text,
        }


@dataclass
class ClonePlan:
    request: CloneRequest
    source_tenant_key: str = ""
    target_tenant_key: str = ""
    target_tenant_id: str = ""
    new_tenant: bool = False
    identities: list[IdentityChange] = field(default_factory=list)
    grants: list[GrantChange] = field(default_factory=list)
    records: list[RecordAction] = field(default_factory=list)
    manual_grants: list[str] = field(default_factory=list)
    """YAML to add by hand, one block per source vault, when the target tenant has no vault to use."""
    review: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def cross_tenant(self) -> bool:
        return self.source_tenant_key != self.target_tenant_key

    def to_dict(self) -> dict[str, object]:
        return {
            "source_environment": self.request.source_environment,
            "environment": self.request.new_environment,
            "environment_id": self.request.environment_id,
            "source_tenant": self.source_tenant_key,
            "tenant": self.target_tenant_key,
            "tenant_id": self.target_tenant_id,
            "new_tenant": self.new_tenant,
            "cross_tenant": self.cross_tenant,
            "identities": [change.to_dict() for change in self.identities],
            "grants": [grant.to_dict() for grant in self.grants],
            "manual_grants": list(self.manual_grants),
            "records": [action.to_dict() for action in self.records],
            "review": list(self.review),
        }

    def describe(self) -> str:
        """The plan for people: what changes, what to check, what to do by hand."""
        request = self.request
        where = (
            f"tenant {self.target_tenant_key} ({'new, ' if self.new_tenant else ''}tenant_id {self.target_tenant_id})"
            if self.cross_tenant
            else f"the same tenant ({self.target_tenant_key})"
        )
        lines = [f"Clone {request.source_environment} -> {request.new_environment} in {where}."]
        if not self.identities:
            lines.append(f"  No identity serves {request.source_environment}: only the environment is added.")
        for change in self.identities:
            verb = "new identity" if change.created else "identity"
            origin = f" (from {change.source_key})" if change.target_key != change.source_key else ""
            lines.append(
                f"  {verb} {change.target_key}{origin}: serves {request.new_environment}, "
                f"credentials {change.credentials_before} -> {change.credentials_after} "
                f"of {MAX_CREDENTIALS_PER_IDENTITY}"
            )
        for grant in self.grants:
            if grant.key_vault:
                shape = "" if grant.copy_body else " (defaults: the vault's authorization differs)"
                lines.append(f"  grant {grant.identity_key} on key vault {grant.key_vault}{shape}")
        if self.manual_grants:
            lines.append(f"Add by hand (tenant {self.target_tenant_key} has no key vault to grant on):")
            lines.extend("    " + line for block in self.manual_grants for line in block.splitlines())
        if self.review:
            lines.append("Review:")
            lines.extend(f"  - {note}" for note in self.review)
        if self.records:
            lines.append("Dataverse:")
            lines.extend(f"  - {action.text}" for action in self.records)
        return "\n".join(lines)


def derive_key(base: str, suffix: str) -> str:
    """``<base>-<suffix>`` cut to the config key length, never ending in a separator."""
    return f"{base}-{suffix}"[:MAX_KEY_LENGTH].rstrip("-_")


def _request_findings(config: Config, request: CloneRequest) -> list[Finding]:
    findings: list[Finding] = []
    if request.source_environment not in config.environments:
        known = ", ".join(config.environments) or "none"
        findings.append(
            error(
                "clone.unknown_environment",
                f"There is no environment {request.source_environment!r} to clone.",
                f"Use one of the environment keys in the config: {known}.",
                location="--environment",
                value=request.source_environment,
            )
        )
    findings.extend(f.under("--to") for f in check_key(request.new_environment, "environments"))
    if request.new_environment in config.environments:
        findings.append(
            error(
                "clone.environment_exists",
                f"The config already has an environment {request.new_environment!r}.",
                "Choose a new key with --to; ppmi clone only adds environments and never changes an existing one.",
                location=f"environments.{request.new_environment}",
                value=request.new_environment,
            )
        )
    guid_findings = check_guid(request.environment_id, "environment ID")
    findings.extend(f.under("--environment-id") for f in guid_findings)
    if not guid_findings:
        holder = config.environment_by_id(request.environment_id)
        if holder is not None:
            findings.append(
                error(
                    "clone.environment_id_in_use",
                    f"The environment ID {request.environment_id} already belongs to environment {holder.key!r}.",
                    "Pass the ID of the copy (Power Platform admin center > Environments > the new environment > "
                    "Details), not the ID of the environment it was copied from.",
                    location=f"environments.{holder.key}.environment_id",
                    value=request.environment_id,
                )
            )
    if request.tenant_id is not None:
        findings.extend(f.under("--tenant-id") for f in check_guid(request.tenant_id, "tenant ID"))
    if request.new_tenant_key is not None:
        findings.extend(f.under("--tenant-key") for f in check_key(request.new_tenant_key, "tenants"))
    if request.url is not None and not (request.url.startswith("https://") and "/" not in request.url[8:].rstrip("/")):
        findings.append(
            error(
                "clone.invalid_url",
                f"The URL {request.url!r} is not a Dataverse organization URL.",
                "Pass the organization's root URL, such as https://contoso.crm.dynamics.com.",
                location="--url",
                value=request.url,
            )
        )
    return findings


def _resolve_tenant(config: Config, request: CloneRequest, source_tenant_key: str, plan: ClonePlan) -> None:
    """Fill in the target tenant of ``plan``: the source's, an existing one, or a new one."""
    if request.tenant_key is not None:
        if request.tenant_key not in config.tenants:
            plan.findings.append(
                error(
                    "clone.unknown_tenant",
                    f"There is no tenant {request.tenant_key!r} in the config.",
                    f"Use one of {', '.join(config.tenants)}, or pass --tenant-id (and --tenant-key) to add a tenant.",
                    location="--tenant",
                    value=request.tenant_key,
                )
            )
            return
        plan.target_tenant_key = request.tenant_key
        plan.target_tenant_id = config.tenants[request.tenant_key].tenant_id
        return
    if request.tenant_id is None:
        plan.target_tenant_key = source_tenant_key
        plan.target_tenant_id = config.tenants[source_tenant_key].tenant_id
        return
    existing = next((t for t in config.tenants.values() if t.tenant_id == request.tenant_id), None)
    if existing is not None:
        if request.new_tenant_key not in (None, existing.key):
            plan.findings.append(
                error(
                    "clone.tenant_exists",
                    f"The tenant ID {request.tenant_id} is already tenant {existing.key!r}.",
                    f"Pass --tenant {existing.key} instead of --tenant-id and --tenant-key.",
                    location=f"tenants.{existing.key}.tenant_id",
                    value=request.tenant_id,
                )
            )
            return
        plan.target_tenant_key = existing.key
        plan.target_tenant_id = existing.tenant_id
        return
    key = request.new_tenant_key or f"tenant-{request.tenant_id[:8]}"
    if key in config.tenants:
        plan.findings.append(
            error(
                "clone.tenant_exists",
                f"The config already has a tenant {key!r}, with another tenant ID.",
                "Choose another key for the new tenant with --tenant-key.",
                location=f"tenants.{key}",
                value=key,
            )
        )
        return
    plan.target_tenant_key = key
    plan.target_tenant_id = request.tenant_id
    plan.new_tenant = True


def _limit_finding(identity_key: str, before: int, after: int, environment: str, created: bool) -> Finding:
    what = "The new identity" if created else "Identity"
    return error(
        "clone.credential_limit",
        f"{what} {identity_key!r} would need {after} federated credentials ({before} now) to serve "
        f"{environment!r}; Entra ID allows at most {MAX_CREDENTIALS_PER_IDENTITY} per identity.",
        "Serve the new environment with a second identity (copy the identity under a new key with the same "
        "certificates and list the environment there), or sign the plug-ins with fewer certificates.",
        location=f"identities.{identity_key}.environments",
        value=str(after),
    )


def _credentials_per_environment(identity: Identity, environment_key: str) -> int:
    return sum(1 for credential in identity.credentials if credential.environment_key == environment_key)


def _plan_identities(config: Config, plan: ClonePlan, serving: list[Identity]) -> None:
    request = plan.request
    for identity in serving:
        added = _credentials_per_environment(identity, request.source_environment)
        if not plan.cross_tenant:
            change = IdentityChange(identity.key, identity.key, False, len(identity.credentials), len(identity.credentials) + added)
        else:
            target_key = derive_key(identity.key, plan.target_tenant_key)
            existing = config.identities.get(target_key)
            if existing is not None and (existing.tenant_key != plan.target_tenant_key or existing.kind != identity.kind):
                plan.findings.append(
                    error(
                        "clone.identity_exists",
                        f"The key {target_key!r} for the copy of identity {identity.key!r} is taken by an identity "
                        f"of kind {existing.kind.value} in tenant {existing.tenant_key!r}.",
                        f"Rename identity {target_key!r}, or add the environment to an identity of tenant "
                        f"{plan.target_tenant_key!r} by hand.",
                        location=f"identities.{target_key}",
                        value=target_key,
                    )
                )
                continue
            if existing is not None:
                per_environment = len(existing.certificate_keys) * len(existing.fic_formats)
                change = IdentityChange(identity.key, target_key, False, len(existing.credentials), len(existing.credentials) + per_environment)
            else:
                change = IdentityChange(identity.key, target_key, True, 0, added)
        if change.credentials_after > MAX_CREDENTIALS_PER_IDENTITY:
            plan.findings.append(
                _limit_finding(
                    change.target_key, change.credentials_before, change.credentials_after, request.new_environment, change.created
                )
            )
            continue
        plan.identities.append(change)


def _target_vault(config: Config, source_vault: KeyVault, tenant_key: str) -> KeyVault | None:
    """The vault of the target tenant that stands in for ``source_vault``: the one named after it, or the only one."""
    candidates = config.key_vaults_in(tenant_key)
    named = config.key_vaults.get(derive_key(source_vault.key, tenant_key))
    if named is not None and named.tenant_key == tenant_key:
        return named
    return candidates[0] if len(candidates) == 1 else None


def _manual_grant_block(config: Config, plan: ClonePlan, source_vault: KeyVault, identity_keys: list[str]) -> str:
    vault_key = derive_key(source_vault.key, plan.target_tenant_key)
    subscription = config.tenants[plan.target_tenant_key].subscription_id if not plan.new_tenant else None
    grants = "\n".join(f"      {key}: {{}}" for key in identity_keys)
    return (
        "key_vaults:\n"
        f"  {vault_key}:\n"
        f"    tenant: {plan.target_tenant_key}\n"
        f"    key_vault_id: /subscriptions/{subscription or '<subscription id>'}/resourceGroups/<resource group>"
        "/providers/Microsoft.KeyVault/vaults/<vault name>\n"
        f"    authorization: {source_vault.authorization.value}\n"
        "    grants:\n"
        f"{grants}"
    )


def _plan_grants(config: Config, plan: ClonePlan) -> None:
    if not plan.cross_tenant:
        for change in plan.identities:
            vaults = [v.key for v in config.key_vaults.values() if any(g.identity_key == change.target_key for g in v.grants)]
            if vaults:
                plan.review.append(
                    f"Key Vault access is unchanged: identity {change.target_key} already has grants on {', '.join(vaults)}."
                )
        return
    by_source_vault: dict[str, list[str]] = {}
    for change in plan.identities:
        for vault in config.key_vaults_in(plan.source_tenant_key):
            if not any(grant.identity_key == change.source_key for grant in vault.grants):
                continue
            target = _target_vault(config, vault, plan.target_tenant_key)
            if target is None:
                by_source_vault.setdefault(vault.key, []).append(change.target_key)
                plan.grants.append(GrantChange(change.target_key, vault.key, None))
            elif not any(grant.identity_key == change.target_key for grant in target.grants):
                plan.grants.append(
                    GrantChange(change.target_key, vault.key, target.key, copy_body=target.authorization is vault.authorization)
                )
    for vault_key, identity_keys in by_source_vault.items():
        several = len(config.key_vaults_in(plan.target_tenant_key)) > 1
        if several:
            plan.review.append(
                f"Tenant {plan.target_tenant_key} has several key vaults and none is named "
                f"{derive_key(vault_key, plan.target_tenant_key)}: add the grants to the vault the plug-in reads."
            )
        plan.manual_grants.append(_manual_grant_block(config, plan, config.key_vaults[vault_key], identity_keys))


def _record_request(url: str | None, record_id: str | None, body: dict[str, object]) -> str:
    base = url.rstrip("/") if url else "https://<organization url>"
    record = record_id or "<managedidentityid>"
    return f"PATCH {base}/{DATAVERSE_API}/managedidentities({record}) {json.dumps(body, sort_keys=True)}"


def _plan_records(config: Config, plan: ClonePlan) -> None:
    request = plan.request
    for change in plan.identities:
        source = config.identities[change.source_key]
        binding = next((b for b in source.dataverse if b.environment_key == request.source_environment), None)
        target_location = f"identities.{change.target_key}.dataverse.{request.new_environment}"
        if not plan.cross_tenant:
            if binding is None:
                text = (
                    f"The managedidentity record that came with the copy already names identity {change.target_key} "
                    "(same applicationid and tenantid); nothing to re-point."
                )
                plan.records.append(RecordAction(change.target_key, "none", text))
                continue
            parts = ["record_id"]
            if binding.plugin_assemblies:
                parts.append(f"plugin_assemblies ({len(binding.plugin_assemblies)})")
            if binding.plugin_packages:
                parts.append(f"plugin_packages ({len(binding.plugin_packages)})")
            text = (
                f"To let ppmi manage the record in {request.new_environment}, add {target_location} with "
                f"{', '.join(parts)} as they are in {request.new_environment}; the GUIDs under "
                f"dataverse.{request.source_environment} belong to {request.source_environment} and are not copied."
            )
            plan.records.append(RecordAction(change.target_key, "fill_in", text, binding.record_id))
            continue
        body = {"applicationid": f"<client_id of {change.target_key}>", "tenantid": plan.target_tenant_id}
        origin = (
            f"record {binding.record_id} if the copy kept the id it had in {request.source_environment}"
            if binding
            else "the managedidentity record linked to the plug-in"
        )
        text = (
            f"In {request.new_environment}, re-point {origin}: applicationid = client_id of identity "
            f"{change.target_key} (Terraform output identity_{change.target_key}_client_id of stack "
            f"{plan.target_tenant_key}, known after deploying it), tenantid = "
            f"{plan.target_tenant_id}, version = {source.record_version}: "
            f"{_record_request(request.url, binding.record_id if binding else None, body)}"
        )
        if binding:
            text += f"; to let ppmi manage it, add {target_location} with the ids in {request.new_environment}"
        plan.records.append(RecordAction(change.target_key, "repoint", text, binding.record_id if binding else None))


def plan_clone(config: Config, request: CloneRequest) -> ClonePlan:
    """Decide what cloning ``request`` changes; refusals are findings and leave the plan unapplied."""
    plan = ClonePlan(request=request)
    plan.findings.extend(_request_findings(config, request))
    source = config.environments.get(request.source_environment)
    if source is None:
        return plan
    plan.source_tenant_key = source.tenant_key
    _resolve_tenant(config, request, source.tenant_key, plan)
    if plan.findings:
        return plan
    if plan.new_tenant:
        plan.review.append(
            f"Tenant {plan.target_tenant_key}: cloud {config.tenants[plan.source_tenant_key].cloud.name} copied from "
            f"{plan.source_tenant_key}; add subscription_id (and a backend) for the new tenant."
        )
    serving = sorted(
        (i for i in config.identities.values() if request.source_environment in i.environment_keys), key=lambda i: i.key
    )
    _plan_identities(config, plan, serving)
    for change in plan.identities:
        source_identity = config.identities[change.source_key]
        if change.created and source_identity.resource_group_name is not None:
            plan.review.append(
                f"Identity {change.target_key}: resource_group_name {source_identity.resource_group_name} and location "
                f"{source_identity.location} are copied from {change.source_key}; they must exist in a subscription "
                f"of tenant {plan.target_tenant_key}."
            )
    if plan.findings:
        return plan
    _plan_grants(config, plan)
    _plan_records(config, plan)
    return plan


# Applying a plan to the file ---------------------------------------------------------------------


def _new_identity_node(
    document: ConfigDocument, raw_source: CommentedMap, change: IdentityChange, plan: ClonePlan
) -> CommentedMap:
    """The source identity's entry, key for key in its order, made to serve only the new environment."""
    node = new_map()
    for key, value in raw_source.items():
        if key == "dataverse":
            continue
        if key == "tenant":
            node[key] = plan.target_tenant_key
        elif key == "name":
            node[key] = derive_name(str(value), plan.target_tenant_key)
        elif key == "environments":
            node[key] = new_seq([plan.request.new_environment], flow=bool(value.fa.flow_style()))
        else:
            node[key] = copy_plain(value)
    for key in ("resource_group_name", "location"):
        if key in node:
            add_line_comment(document, node, key, f"copied from {change.source_key}: review for tenant {plan.target_tenant_key}")
    return node


def derive_name(name: str, tenant_key: str) -> str:
    return f"{name}-{tenant_key}"[:MAX_IDENTITY_NAME_LENGTH]


def apply_clone(document: ConfigDocument, config: Config, plan: ClonePlan) -> None:
    """Edit the document's nodes as ``plan`` says; the caller validates and writes."""
    request = plan.request
    data = document.data
    if plan.new_tenant:
        tenant = new_map([("tenant_id", plan.target_tenant_id)])
        tenant["cloud"] = config.tenants[plan.source_tenant_key].cloud.name
        insert_after(data["tenants"], None, plan.target_tenant_key, tenant)
    environment = new_map([("tenant", plan.target_tenant_key), ("environment_id", request.environment_id)])
    if request.url:
        environment["url"] = request.url
    insert_after(data["environments"], request.source_environment, request.new_environment, environment)
    identities = data["identities"]
    for change in plan.identities:
        if not change.created:
            append_item(identities[change.target_key]["environments"], request.new_environment)
            continue
        node = _new_identity_node(document, identities[change.source_key], change, plan)
        insert_after(identities, None, change.target_key, node)
    for grant in plan.grants:
        if grant.key_vault is None:
            continue
        vault = data["key_vaults"][grant.key_vault]
        if vault.get("grants") is None:
            vault["grants"] = new_map()
        body = data["key_vaults"][grant.source_key_vault]["grants"].get(_source_of(plan, grant.identity_key))
        copied = copy_plain(body) if grant.copy_body and body is not None else new_map()
        if isinstance(copied, CommentedMap) and not len(copied) and not document.is_json:
            copied.fa.set_flow_style()
        insert_after(vault["grants"], None, grant.identity_key, copied)


def _source_of(plan: ClonePlan, identity_key: str) -> str:
    return next(change.source_key for change in plan.identities if change.target_key == identity_key)

