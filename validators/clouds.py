"""Clouds: what Power Platform presents to Entra ID, and where ppmi talks to Azure, per cloud.

Source: learn.microsoft.com/power-platform/admin/set-up-managed-identity, sovereign cloud table
(ms.date 2026-06-15). ARM, Graph and authority endpoints: learn.microsoft.com/entra/identity-platform/
authentication-national-cloud and azure-identity's AzureAuthorityHosts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    """One Microsoft cloud: the federated credential strings and the service endpoints it uses."""

    name: str
    description: str
    audience: str
    issuer_base: str
    subject_prefix: str
    authority_host: str
    arm_endpoint: str
    graph_endpoint: str
    v0_supported: bool

    @property
    def issuer_host(self) -> str:
        return self.issuer_base.removeprefix("https://")


CLOUDS: dict[str, Cloud] = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            name="public",
            description="Public cloud, GCC and first release in GCC",
            audience="api://AzureADTokenExchange",
            issuer_base="https://login.microsoftonline.com",
            subject_prefix="/eid1/c/pub",
            authority_host="login.microsoftonline.com",
            arm_endpoint="https://management.azure.com",
            graph_endpoint="https://graph.microsoft.com",
            v0_supported=True,
        ),
        Cloud(
            name="usgov",
            description="GCC High (US Government L4)",
            audience="api://AzureADTokenExchangeUSGov",
            issuer_base="https://login.microsoftonline.us",
            subject_prefix="/eid1/c/usg",
            authority_host="login.microsoftonline.us",
            arm_endpoint="https://management.usgovcloudapi.net",
            graph_endpoint="https://graph.microsoft.us",
            v0_supported=False,
        ),
        Cloud(
            name="china",
            description="China operated by 21Vianet (Mooncake)",
            audience="api://AzureADTokenExchangeChina",
            issuer_base="https://login.partner.microsoftonline.cn",
            subject_prefix="/eid1/c/chn",
            authority_host="login.chinacloudapi.cn",
            arm_endpoint="https://management.chinacloudapi.cn",
            graph_endpoint="https://microsoftgraph.chinacloudapi.cn",
            v0_supported=False,
        ),
        Cloud(
            name="usnat",
            description="US National",
            audience="api://AzureADTokenExchangeUSNat",
            issuer_base="https://login.microsoftonline.eaglex.ic.gov",
            subject_prefix="/eid1/c/uss",
            authority_host="login.microsoftonline.eaglex.ic.gov",
            arm_endpoint="https://management.azure.eaglex.ic.gov",
            graph_endpoint="https://graph.eaglex.ic.gov",
            v0_supported=False,
        ),
        Cloud(
            name="ussec",
            description="US Secure",
            audience="api://AzureADTokenExchangeUSSec",
            issuer_base="https://login.microsoftonline.scloud",
            subject_prefix="/eid1/c/usn",
            authority_host="login.microsoftonline.microsoft.scloud",
            arm_endpoint="https://management.azure.microsoft.scloud",
            graph_endpoint="https://graph.microsoft.scloud",
            v0_supported=False,
        ),
        Cloud(
            name="gcc",
            description="GCC: Power Platform's Government Community Cloud on public Azure (same credential values as public)",
            audience="api://AzureADTokenExchange",
            issuer_base="https://login.microsoftonline.com",
            subject_prefix="/eid1/c/pub",
            authority_host="login.microsoftonline.com",
            arm_endpoint="https://management.azure.com",
            graph_endpoint="https://graph.microsoft.com",
            v0_supported=False,
        ),
        Cloud(
            name="dod",
            description="DoD: US Government L5 (same credential values as usgov, its own Graph and Power Platform cloud)",
            audience="api://AzureADTokenExchangeUSGov",
            issuer_base="https://login.microsoftonline.us",
            subject_prefix="/eid1/c/usg",
            authority_host="login.microsoftonline.us",
            arm_endpoint="https://management.usgovcloudapi.net",
            graph_endpoint="https://dod-graph.microsoft.us",
            v0_supported=False,
        ),
    )
}
"""``gcc`` and ``dod`` share the credential values of ``public`` and ``usgov`` (the set-up doc's table lists them
on one row each) but not their Terraform provider settings: the power-platform provider has clouds ``gcc`` and
``dod``, azuread has ``usgovernmentl5`` for DoD, and DoD's Graph is dod-graph.microsoft.us
(learn.microsoft.com/graph/deployments). They come after the clouds they share values with, so decoding a
credential names ``public`` or ``usgov``."""

CLOUD_NAMES: tuple[str, ...] = tuple(CLOUDS)


def cloud_for_issuer_host(host: str) -> Cloud | None:
    for cloud in CLOUDS.values():
        if cloud.issuer_host == host:
            return cloud
    return None


def cloud_for_subject_prefix(prefix: str) -> Cloud | None:
    for cloud in CLOUDS.values():
        if cloud.subject_prefix == prefix:
            return cloud
    return None


def cloud_for_audience(audience: str) -> Cloud | None:
    for cloud in CLOUDS.values():
        if cloud.audience == audience:
            return cloud
    return None


def credential_cloud(name: str) -> Cloud:
    """The cloud a decoded credential names for ``name``: ``public`` for ``gcc``, ``usgov`` for ``dod``."""
    cloud = CLOUDS[name]
    return cloud_for_audience(cloud.audience) or cloud
