"""Clouds that share credential values (GCC with public, DoD with GCC High) differ only in provider settings."""

from __future__ import annotations

import pytest

from validators.clouds import CLOUDS, cloud_for_audience, cloud_for_issuer_host, cloud_for_subject_prefix
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic

TENANT = "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9"
ENVIRONMENT = "92e1c10d-0b34-e28b-a4a8-7e3630f46a06"
CERTIFICATE = CertificateIdentity(CertificateMatch.HASH, sha256="ab" * 32)


@pytest.mark.parametrize(("alias", "shares"), [("gcc", "public"), ("dod", "usgov")])
def test_alias_clouds_present_the_same_credential(alias: str, shares: str) -> None:
    assert build_fic(FicFormat.V2, alias, TENANT, ENVIRONMENT, CERTIFICATE) == build_fic(
        FicFormat.V2, shares, TENANT, ENVIRONMENT, CERTIFICATE
    )


@pytest.mark.parametrize(("alias", "shares"), [("gcc", "public"), ("dod", "usgov")])
def test_decoding_names_the_cloud_of_the_documented_row(alias: str, shares: str) -> None:
    cloud = CLOUDS[alias]
    assert cloud_for_issuer_host(cloud.issuer_host) is CLOUDS[shares]
    assert cloud_for_subject_prefix(cloud.subject_prefix) is CLOUDS[shares]
    assert cloud_for_audience(cloud.audience) is CLOUDS[shares]


def test_dod_uses_its_own_graph() -> None:
    assert CLOUDS["dod"].graph_endpoint == "https://dod-graph.microsoft.us"
    assert CLOUDS["usgov"].graph_endpoint == "https://graph.microsoft.us"


def test_provider_settings_per_cloud(tmp_path) -> None:
    """One synth with a stack per cloud: each gets the provider environment its cloud needs."""
    import json

    from stacks import cdk
    from stacks.tenant_providers import TenantProviders
    from validators.model import LocalBackend, Tenant

    app = cdk.App(outdir=str(tmp_path))
    for name, cloud in CLOUDS.items():
        stack = cdk.TerraformStack(app, name)
        providers = TenantProviders(stack, Tenant(name, TENANT, cloud, None, LocalBackend("state")))
        providers.azurerm(), providers.azuread(), providers.powerplatform()
    app.synth()

    def provider(cloud: str, kind: str) -> dict:
        stack = json.loads((tmp_path / "stacks" / cloud / "cdk.tf.json").read_text())
        return stack["provider"][kind][0]

    expected = {
        "public": ("public", "global", "public"),
        "gcc": ("public", "global", "gcc"),
        "usgov": ("usgovernment", "usgovernmentl4", "gcchigh"),
        "dod": ("usgovernment", "usgovernmentl5", "dod"),
        "china": ("china", "china", "china"),
        "usnat": (None, None, "ex"),
        "ussec": (None, None, "rx"),
    }
    for cloud, (azurerm, azuread, powerplatform) in expected.items():
        assert provider(cloud, "azurerm").get("environment") == azurerm, cloud
        assert provider(cloud, "azuread").get("environment") == azuread, cloud
        assert provider(cloud, "powerplatform")["cloud"] == powerplatform, cloud
    assert provider("usnat", "azurerm")["metadata_host"] == "management.azure.eaglex.ic.gov"
