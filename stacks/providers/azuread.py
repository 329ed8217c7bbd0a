"""``hashicorp/azuread`` 3.x: app registrations, their service principals and federated credentials.

Attribute names follow registry.terraform.io/providers/hashicorp/azuread (checked against the
provider schema in tests/fixtures/provider_schemas/azuread.json).
"""

from __future__ import annotations

from typing import Sequence

from constructs import Construct

from stacks.providers.base import ProviderSpec, TypedProvider, TypedResource

AZUREAD = ProviderSpec(name="azuread", source="hashicorp/azuread", version_constraint="~> 3.0")
"""3.x: ``azuread_application_registration`` and ``client_id`` on service principals."""


class AzureadProvider(TypedProvider):
    SPEC = AZUREAD

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        tenant_id: str | None = None,
        environment: str | None = None,
        metadata_host: str | None = None,
    ) -> None:
        """``environment`` None: the global (public) cloud."""
        super().__init__(
            parent,
            construct_id,
            {"tenant_id": tenant_id, "environment": environment, "metadata_host": metadata_host},
        )


class ApplicationRegistration(TypedResource):
    TYPE = "azuread_application_registration"
    PROVIDER = AZUREAD

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        display_name: str,
        description: str | None = None,
        provider: TypedProvider | None = None,
        prevent_destroy: bool = False,
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            {"display_name": display_name, "description": description},
            provider=provider,
            prevent_destroy=prevent_destroy,
        )

    @property
    def client_id(self) -> str:
        return self.attribute("client_id")

    @property
    def object_id(self) -> str:
        return self.attribute("object_id")


class ServicePrincipal(TypedResource):
    TYPE = "azuread_service_principal"
    PROVIDER = AZUREAD

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        client_id: str,
        provider: TypedProvider | None = None,
        prevent_destroy: bool = False,
    ) -> None:
        super().__init__(parent, construct_id, {"client_id": client_id}, provider=provider, prevent_destroy=prevent_destroy)

    @property
    def object_id(self) -> str:
        return self.attribute("object_id")

    @property
    def client_id(self) -> str:
        return self.attribute("client_id")


class ApplicationFederatedIdentityCredential(TypedResource):
    TYPE = "azuread_application_federated_identity_credential"
    PROVIDER = AZUREAD

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        application_id: str,
        display_name: str,
        audiences: Sequence[str],
        issuer: str,
        subject: str,
        description: str | None = None,
        provider: TypedProvider | None = None,
        depends_on: Sequence[TypedResource] = (),
    ) -> None:
        """``application_id`` is the application's resource ID (``/applications/{object id}``), not its client ID."""
        super().__init__(
            parent,
            construct_id,
            {
                "application_id": application_id,
                "display_name": display_name,
                "audiences": list(audiences),
                "issuer": issuer,
                "subject": subject,
                "description": description,
            },
            provider=provider,
            depends_on=depends_on,
        )
