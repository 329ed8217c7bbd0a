"""``hashicorp/azurerm``: the provider, user-assigned identities, their federated credentials and Key Vault access.

Attribute names follow registry.terraform.io/providers/hashicorp/azurerm (checked against the
provider schema in tests/fixtures/provider_schemas/azurerm.json).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from constructs import Construct

from stacks.providers.base import ProviderSpec, TypedProvider, TypedResource

AZURERM = ProviderSpec(name="azurerm", source="hashicorp/azurerm", version_constraint=">= 4.65, < 6.0")
"""4.65 introduced ``user_assigned_identity_id`` on federated credentials; 5.x accepts only that
(``parent_id`` is gone), so this range is the one where the emitted JSON is valid."""


class AzurermProvider(TypedProvider):
    SPEC = AZURERM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        subscription_id: str | None = None,
        tenant_id: str | None = None,
        environment: str | None = None,
        metadata_host: str | None = None,
    ) -> None:
        """``subscription_id`` None: Terraform reads ``ARM_SUBSCRIPTION_ID``. ``environment`` None: public cloud."""
        super().__init__(
            parent,
            construct_id,
            {
                "features": [{}],  # required, even empty
                "subscription_id": subscription_id,
                "tenant_id": tenant_id,
                "environment": environment,
                "metadata_host": metadata_host,
            },
        )


class UserAssignedIdentity(TypedResource):
    TYPE = "azurerm_user_assigned_identity"
    PROVIDER = AZURERM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        name: str,
        resource_group_name: str,
        location: str,
        tags: Mapping[str, str] | None = None,
        provider: TypedProvider | None = None,
        prevent_destroy: bool = False,
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            {"name": name, "resource_group_name": resource_group_name, "location": location, "tags": dict(tags or {})},
            provider=provider,
            prevent_destroy=prevent_destroy,
        )

    @property
    def client_id(self) -> str:
        return self.attribute("client_id")

    @property
    def principal_id(self) -> str:
        return self.attribute("principal_id")

    @property
    def tenant_id(self) -> str:
        return self.attribute("tenant_id")


class FederatedIdentityCredential(TypedResource):
    TYPE = "azurerm_federated_identity_credential"
    PROVIDER = AZURERM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        name: str,
        audience: Sequence[str],
        issuer: str,
        subject: str,
        user_assigned_identity_id: str,
        provider: TypedProvider | None = None,
        depends_on: Sequence[TypedResource] = (),
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            {
                "name": name,
                "audience": list(audience),
                "issuer": issuer,
                "subject": subject,
                "user_assigned_identity_id": user_assigned_identity_id,
            },
            provider=provider,
            depends_on=depends_on,
        )


class KeyVaultAccessPolicy(TypedResource):
    TYPE = "azurerm_key_vault_access_policy"
    PROVIDER = AZURERM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        key_vault_id: str,
        tenant_id: str,
        object_id: str,
        secret_permissions: Sequence[str] = (),
        key_permissions: Sequence[str] = (),
        certificate_permissions: Sequence[str] = (),
        provider: TypedProvider | None = None,
    ) -> None:
        """Permissions left empty are not emitted: the policy then grants nothing of that kind."""
        super().__init__(
            parent,
            construct_id,
            {
                "key_vault_id": key_vault_id,
                "tenant_id": tenant_id,
                "object_id": object_id,
                "secret_permissions": list(secret_permissions),
                "key_permissions": list(key_permissions),
                "certificate_permissions": list(certificate_permissions),
            },
            provider=provider,
        )


class RoleAssignment(TypedResource):
    TYPE = "azurerm_role_assignment"
    PROVIDER = AZURERM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        scope: str,
        principal_id: str,
        role_definition_name: str | None = None,
        role_definition_id: str | None = None,
        principal_type: str | None = None,
        skip_service_principal_aad_check: bool | None = None,
        provider: TypedProvider | None = None,
    ) -> None:
        """``skip_service_principal_aad_check``: true avoids a replication race for freshly created identities."""
        super().__init__(
            parent,
            construct_id,
            {
                "scope": scope,
                "principal_id": principal_id,
                "role_definition_name": role_definition_name,
                "role_definition_id": role_definition_id,
                "principal_type": principal_type,
                "skip_service_principal_aad_check": skip_service_principal_aad_check,
            },
            provider=provider,
        )
