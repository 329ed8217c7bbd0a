"""Key Vault access for plug-in identities, decided in one place: ``grant_secret_read``.

The vault's authorization model picks the shape: an access policy (vaults with RBAC authorization
off) or a role assignment at vault scope (RBAC; the default for new vaults from Key Vault API
2026-02-01). Defaults come from ``validators.model``: secret ``Get`` and "Key Vault Secrets User".
"""

from __future__ import annotations

from constructs import Construct

from stacks.identity import PRINCIPAL_TYPE, PluginIdentity
from stacks.providers.azurerm import KeyVaultAccessPolicy, RoleAssignment
from stacks.providers.base import TypedResource
from stacks.tenant_providers import TenantProviders
from validators.model import Grant, KeyVault, VaultAuthorization


def grant_construct_id(vault: KeyVault, grant: Grant) -> str:
    return f"grant_{vault.key}_{grant.identity_key}"


def grant_secret_read(
    scope: Construct,
    vault: KeyVault,
    grant: Grant,
    identity: PluginIdentity,
    *,
    tenant_id: str,
    providers: TenantProviders,
) -> TypedResource:
    """Let ``identity`` read secrets of ``vault`` as ``grant`` says; the only place grants are built."""
    construct_id = grant_construct_id(vault, grant)
    if vault.authorization is VaultAuthorization.ACCESS_POLICY:
        return KeyVaultAccessPolicy(
            scope,
            construct_id,
            key_vault_id=vault.key_vault_id,
            tenant_id=tenant_id,
            object_id=identity.principal_id,
            secret_permissions=grant.secret_permissions,
            key_permissions=grant.key_permissions,
            certificate_permissions=grant.certificate_permissions,
            provider=providers.azurerm(),
        )
    return RoleAssignment(
        scope,
        construct_id,
        scope=vault.key_vault_id,
        role_definition_name=grant.role_definition_name,
        principal_id=identity.principal_id,
        principal_type=PRINCIPAL_TYPE,
        skip_service_principal_aad_check=True,
        provider=providers.azurerm(),
    )
