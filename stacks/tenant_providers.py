"""The provider configurations of one tenant's stack, created on first use.

A stack declares only the providers its resources need, so ``terraform init`` downloads no more.
Per-cloud values: azurerm ``environment`` (public, usgovernment, china) and azuread ``environment``
(global, usgovernmentl4, usgovernmentl5, china) from the providers' docs; clouds neither names (US National,
US Secure) are reached through ``metadata_host``, the ARM host. power-platform ``cloud`` values
(public, gcc, gcchigh, dod, china, ex, rx) from its provider schema (internal/provider/provider.go, v4.1.0).
"""

from __future__ import annotations

from constructs import Construct

from stacks.providers.azuread import AzureadProvider
from stacks.providers.azurerm import AzurermProvider
from stacks.providers.powerplatform import PowerplatformProvider
from validators.clouds import Cloud
from validators.model import Tenant

AZURERM_ENVIRONMENTS = {"public": "public", "gcc": "public", "usgov": "usgovernment", "dod": "usgovernment", "china": "china"}
AZUREAD_ENVIRONMENTS = {
    "public": "global",
    "gcc": "global",
    "usgov": "usgovernmentl4",
    "dod": "usgovernmentl5",
    "china": "china",
}
POWERPLATFORM_CLOUDS = {
    "public": "public",
    "gcc": "gcc",
    "usgov": "gcchigh",
    "dod": "dod",
    "china": "china",
    "usnat": "ex",
    "ussec": "rx",
}


def _metadata_host(cloud: Cloud, environments: dict[str, str]) -> str | None:
    return None if cloud.name in environments else cloud.arm_endpoint.removeprefix("https://")


class TenantProviders:
    def __init__(self, scope: Construct, tenant: Tenant) -> None:
        self._scope = scope
        self._tenant = tenant
        self._azurerm: AzurermProvider | None = None
        self._azuread: AzureadProvider | None = None
        self._powerplatform: PowerplatformProvider | None = None

    def azurerm(self) -> AzurermProvider:
        if self._azurerm is None:
            cloud = self._tenant.cloud
            self._azurerm = AzurermProvider(
                self._scope,
                "azurerm",
                subscription_id=self._tenant.subscription_id,
                tenant_id=self._tenant.tenant_id,
                environment=AZURERM_ENVIRONMENTS.get(cloud.name),
                metadata_host=_metadata_host(cloud, AZURERM_ENVIRONMENTS),
            )
        return self._azurerm

    def azuread(self) -> AzureadProvider:
        if self._azuread is None:
            cloud = self._tenant.cloud
            self._azuread = AzureadProvider(
                self._scope,
                "azuread",
                tenant_id=self._tenant.tenant_id,
                environment=AZUREAD_ENVIRONMENTS.get(cloud.name),
                metadata_host=_metadata_host(cloud, AZUREAD_ENVIRONMENTS),
            )
        return self._azuread

    def powerplatform(self) -> PowerplatformProvider:
        if self._powerplatform is None:
            self._powerplatform = PowerplatformProvider(
                self._scope,
                "powerplatform",
                tenant_id=self._tenant.tenant_id,
                cloud=POWERPLATFORM_CLOUDS[self._tenant.cloud.name],
            )
        return self._powerplatform
