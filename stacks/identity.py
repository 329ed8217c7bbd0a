"""A plug-in identity: a user-assigned managed identity, or an app registration with its service
principal, and one federated credential per ``Identity.credentials`` item.

Construct ids are a public contract (they become Terraform addresses; renaming one replaces the
identity and changes its ``client_id``): ``identity_<key>``, ``sp_<key>``, ``fic_<key>_<credential name>``.
"""

from __future__ import annotations

from constructs import Construct

from stacks.providers.azuread import (
    ApplicationFederatedIdentityCredential,
    ApplicationRegistration,
    AzureadProvider,
    ServicePrincipal,
)
from stacks.providers.azurerm import AzurermProvider, FederatedIdentityCredential, UserAssignedIdentity
from stacks.providers.base import TypedResource
from stacks.tenant_providers import TenantProviders
from validators.model import FederatedCredential, Identity, IdentityKind

PRINCIPAL_TYPE = "ServicePrincipal"
"""Managed identities and app registrations both sign in as service principals."""


class PluginIdentity:
    """What the rest of a stack needs of an identity: its ``client_id``, its principal's object ID, its credentials."""

    def __init__(
        self,
        scope: Construct,
        identity: Identity,
        *,
        tenant_id: str,
        providers: TenantProviders,
    ) -> None:
        self.identity = identity
        self.credentials: list[TypedResource] = []
        if identity.kind is IdentityKind.USER_ASSIGNED_IDENTITY:
            self._build_user_assigned(scope, identity, providers.azurerm())
        else:
            self._build_app_registration(scope, identity, providers.azuread(), tenant_id)

    def _build_user_assigned(self, scope: Construct, identity: Identity, provider: AzurermProvider) -> None:
        if identity.resource_group_name is None or identity.location is None:
            raise ValueError(f"identity {identity.key!r}: a user-assigned identity needs resource_group_name and location")
        uami = UserAssignedIdentity(
            scope,
            f"identity_{identity.key}",
            name=identity.name,
            resource_group_name=identity.resource_group_name,
            location=identity.location,
            tags=identity.tags,
            provider=provider,
            prevent_destroy=identity.prevent_destroy,
        )
        self.resource: TypedResource = uami
        self.client_id = uami.client_id
        self.principal_id = uami.principal_id
        self.tenant_id = uami.tenant_id
        previous: TypedResource | None = None
        for credential in _in_creation_order(identity):
            previous = FederatedIdentityCredential(
                scope,
                f"fic_{identity.key}_{credential.name}",
                name=credential.name,
                audience=[credential.audience],
                issuer=credential.issuer,
                subject=credential.subject,
                user_assigned_identity_id=uami.id,
                provider=provider,
                depends_on=[previous] if previous else (),
            )
            self.credentials.append(previous)

    def _build_app_registration(
        self, scope: Construct, identity: Identity, provider: AzureadProvider, tenant_id: str
    ) -> None:
        application = ApplicationRegistration(
            scope,
            f"identity_{identity.key}",
            display_name=identity.name,
            provider=provider,
            prevent_destroy=identity.prevent_destroy,
        )
        principal = ServicePrincipal(
            scope,
            f"sp_{identity.key}",
            client_id=application.client_id,
            provider=provider,
            prevent_destroy=identity.prevent_destroy,
        )
        self.resource = application
        self.client_id = application.client_id
        self.principal_id = principal.object_id
        self.tenant_id = tenant_id
        previous: TypedResource | None = None
        for credential in _in_creation_order(identity):
            previous = ApplicationFederatedIdentityCredential(
                scope,
                f"fic_{identity.key}_{credential.name}",
                application_id=application.id,
                display_name=credential.name,
                audiences=[credential.audience],
                issuer=credential.issuer,
                subject=credential.subject,
                provider=provider,
                depends_on=[previous] if previous else (),
            )
            self.credentials.append(previous)


def _in_creation_order(identity: Identity) -> list[FederatedCredential]:
    """Sorted by name and chained with ``depends_on``: Entra ID answers concurrent credential writes on
    one identity with HTTP 409 (ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity)."""
    return sorted(identity.credentials, key=lambda credential: credential.name)

