"""One Terraform stack per tenant: its providers, state backend, identities, grants, records and outputs."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from stacks import cdk
from stacks.dataverse import build_dataverse_binding, record_payload
from stacks.identity import PluginIdentity
from stacks.keyvault import grant_secret_read
from stacks.tenant_providers import TenantProviders
from validators.model import AzurermBackend, Config, LocalBackend, Tenant


@dataclass
class StackCounts:
    """What one stack declares, for the synth summary."""

    identities: int = 0
    credentials: int = 0
    grants: int = 0
    records: int = 0
    links: int = 0


def _add_backend(stack: Construct, tenant: Tenant) -> None:
    backend = tenant.backend
    if isinstance(backend, LocalBackend):
        # Always pass the path: cdktf's default is absolute, which would make the output machine-specific.
        cdk.LocalBackend(stack, path=backend.path)
    elif isinstance(backend, AzurermBackend):
        cdk.AzurermBackend(
            stack,
            resource_group_name=backend.resource_group_name,
            storage_account_name=backend.storage_account_name,
            container_name=backend.container_name,
            key=backend.key,
            subscription_id=backend.subscription_id,
            use_azuread_auth=backend.use_azuread_auth,
        )
    else:
        raise TypeError(f"tenant {tenant.key!r}: unknown backend {type(backend).__name__}")


def _add_outputs(stack: Construct, identity: PluginIdentity) -> None:
    key = identity.identity.key
    cdk.TerraformOutput(stack, f"identity_{key}_client_id", value=identity.client_id)
    cdk.TerraformOutput(stack, f"identity_{key}_principal_id", value=identity.principal_id)
    cdk.TerraformOutput(stack, f"identity_{key}_tenant_id", value=identity.tenant_id)
    subjects = {credential.name: credential.subject for credential in identity.identity.credentials}
    cdk.TerraformOutput(stack, f"identity_{key}_fic_subjects", value=subjects)
    cdk.TerraformOutput(stack, f"identity_{key}_dataverse_record", value=cdk.Fn.jsonencode(record_payload(identity)))


def build_tenant_stack(app: Construct, config: Config, tenant: Tenant) -> StackCounts:
    """Add the stack named ``tenant.key`` to ``app``; ids inside come from config keys only."""
    stack = cdk.TerraformStack(app, tenant.key)
    _add_backend(stack, tenant)
    providers = TenantProviders(stack, tenant)
    counts = StackCounts()
    identities: dict[str, PluginIdentity] = {}
    for identity in sorted(config.identities_in(tenant.key), key=lambda i: i.key):
        built = PluginIdentity(stack, identity, tenant_id=tenant.tenant_id, providers=providers)
        identities[identity.key] = built
        counts.identities += 1
        counts.credentials += len(built.credentials)
        _add_outputs(stack, built)
        for binding in sorted(identity.dataverse, key=lambda b: b.environment_key):
            environment = config.environments[binding.environment_key]
            resources = build_dataverse_binding(stack, built, binding, environment, providers=providers)
            counts.records += 1
            counts.links += len(resources) - 1
    for vault in sorted(config.key_vaults_in(tenant.key), key=lambda v: v.key):
        for grant in sorted(vault.grants, key=lambda g: g.identity_key):
            grant_secret_read(
                stack,
                vault,
                grant,
                identities[grant.identity_key],
                tenant_id=tenant.tenant_id,
                providers=providers,
            )
            counts.grants += 1
    return counts
