"""A hand-built ``Config`` covering every shape the stacks render, plus helpers to synthesize it.

Two tenants (public and US Government clouds, local and azurerm backends), both identity kinds,
two credential formats on one identity, both Key Vault authorization models and Dataverse records
with plug-in links. Credential strings come from ``validators.fic.build_fic``, as the loader does.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, TypeVar

from validators.clouds import CLOUDS
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic
from validators.model import (
    AzurermBackend,
    Certificate,
    Config,
    DataverseBinding,
    Environment,
    FederatedCredential,
    Grant,
    Identity,
    IdentityKind,
    KeyVault,
    LocalBackend,
    Settings,
    Tenant,
    VaultAuthorization,
)

CONTOSO_TENANT_ID = "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9"
FABRIKAM_TENANT_ID = "0d3e2f6a-7b8c-4d9e-a1f2-3b4c5d6e7f80"
PROD_ENVIRONMENT_ID = "92e1c10d-0b34-e28b-a4a8-7e3630f46a06"
TEST_ENVIRONMENT_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
GOV_ENVIRONMENT_ID = "aa11bb22-cc33-4d44-8e55-ff6677889900"
RECORD_ID = "6b1e1f3a-0c2d-4e5f-8a9b-1c2d3e4f5a6b"
ASSEMBLY_IDS = ("0f0e0d0c-0b0a-4909-8807-060504030201", "a1a2a3a4-b1b2-4c1c-9d1d-e1e2e3e4e5e6")
PACKAGE_ID = "c0ffee00-1234-4abc-9def-0123456789ab"
VAULT_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-shared"
GOV_VAULT_ID = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-gov"

SELF_SIGNED = CertificateIdentity(match=CertificateMatch.HASH, sha256="3f5e" * 16, thumbprint="A1B2" * 10)
CA_ISSUED = CertificateIdentity(
    match=CertificateMatch.ISSUER_SUBJECT,
    issuer_dn="CN=Contoso Issuing CA, O=Contoso Ltd, C=US",
    subject_dn="CN=Contoso Plugins, O=Contoso Ltd, C=US",
    issuer_cn="Contoso Issuing CA",
    subject_cn="Contoso Plugins",
)

T = TypeVar("T")


def _sorted_map(items: Mapping[str, T]) -> Mapping[str, T]:
    return MappingProxyType(dict(sorted(items.items())))


def _credentials(
    tenant: Tenant, environments: list[Environment], certificates: list[Certificate], formats: list[FicFormat]
) -> tuple[FederatedCredential, ...]:
    credentials = []
    for environment in environments:
        for certificate in certificates:
            for fic_format in formats:
                strings = build_fic(fic_format, tenant.cloud, tenant.tenant_id, environment.environment_id, certificate.identity)
                credentials.append(
                    FederatedCredential(
                        name=f"{environment.key}-{certificate.key}-{fic_format.value}",
                        environment_key=environment.key,
                        certificate_key=certificate.key,
                        fic_format=fic_format,
                        issuer=strings.issuer,
                        subject=strings.subject,
                        audience=strings.audience,
                    )
                )
    return tuple(sorted(credentials, key=lambda c: c.name))


def sample_config() -> Config:
    contoso = Tenant(
        key="contoso",
        tenant_id=CONTOSO_TENANT_ID,
        cloud=CLOUDS["public"],
        subscription_id="00000000-0000-0000-0000-000000000001",
        backend=LocalBackend(path="terraform.contoso.tfstate"),
    )
    fabrikam = Tenant(
        key="fabrikam",
        tenant_id=FABRIKAM_TENANT_ID,
        cloud=CLOUDS["usgov"],
        subscription_id=None,
        backend=AzurermBackend(
            resource_group_name="rg-tfstate", storage_account_name="sttfstate", container_name="tfstate", key="ppmi-fabrikam.tfstate"
        ),
    )
    prod = Environment(key="prod", tenant_key="contoso", environment_id=PROD_ENVIRONMENT_ID, url="https://contoso.crm.dynamics.com")
    test = Environment(key="test", tenant_key="contoso", environment_id=TEST_ENVIRONMENT_ID)
    gov = Environment(key="gov", tenant_key="fabrikam", environment_id=GOV_ENVIRONMENT_ID)
    selfsigned = Certificate(key="plugins-selfsigned", identity=SELF_SIGNED, source_file="certs/plugins-selfsigned.cer")
    ca = Certificate(key="plugins-ca", identity=CA_ISSUED)
    reader = Identity(
        key="reader",
        tenant_key="contoso",
        kind=IdentityKind.USER_ASSIGNED_IDENTITY,
        name="id-ppmi-reader",
        resource_group_name="rg-ppmi",
        location="westeurope",
        fic_formats=(FicFormat.V1, FicFormat.V2),
        record_version=2,
        environment_keys=("prod", "test"),
        certificate_keys=("plugins-ca", "plugins-selfsigned"),
        credentials=_credentials(contoso, [prod, test], [ca, selfsigned], [FicFormat.V1, FicFormat.V2]),
        dataverse=(
            DataverseBinding(environment_key="prod", record_id=RECORD_ID, plugin_assemblies=ASSEMBLY_IDS, plugin_packages=(PACKAGE_ID,)),
        ),
        tags=MappingProxyType({"owner": "platform-team", "cost-center": "42"}),
    )
    writer = Identity(
        key="writer",
        tenant_key="contoso",
        kind=IdentityKind.APP_REGISTRATION,
        name="app-ppmi-writer",
        resource_group_name=None,
        location=None,
        fic_formats=(FicFormat.V2,),
        record_version=2,
        environment_keys=("prod",),
        certificate_keys=("plugins-selfsigned",),
        credentials=_credentials(contoso, [prod], [selfsigned], [FicFormat.V2]),
        prevent_destroy=False,
    )
    gov_reader = Identity(
        key="gov-reader",
        tenant_key="fabrikam",
        kind=IdentityKind.USER_ASSIGNED_IDENTITY,
        name="id-ppmi-gov",
        resource_group_name="rg-ppmi",
        location="usgovvirginia",
        fic_formats=(FicFormat.V2,),
        record_version=2,
        environment_keys=("gov",),
        certificate_keys=("plugins-selfsigned",),
        credentials=_credentials(fabrikam, [gov], [selfsigned], [FicFormat.V2]),
    )
    shared = KeyVault(
        key="shared",
        tenant_key="contoso",
        key_vault_id=VAULT_ID,
        authorization=VaultAuthorization.RBAC,
        grants=(Grant(identity_key="reader"), Grant(identity_key="writer")),
    )
    legacy = KeyVault(
        key="legacy",
        tenant_key="contoso",
        key_vault_id=VAULT_ID.replace("kv-shared", "kv-legacy"),
        authorization=VaultAuthorization.ACCESS_POLICY,
        grants=(Grant(identity_key="reader", secret_permissions=("Get", "List")),),
    )
    gov_vault = KeyVault(
        key="gov", tenant_key="fabrikam", key_vault_id=GOV_VAULT_ID, authorization=VaultAuthorization.ACCESS_POLICY,
        grants=(Grant(identity_key="gov-reader"),),
    )
    return Config(
        path=None,
        settings=Settings(),
        tenants=_sorted_map({"contoso": contoso, "fabrikam": fabrikam}),
        environments=_sorted_map({"prod": prod, "test": test, "gov": gov}),
        certificates=_sorted_map({"plugins-selfsigned": selfsigned, "plugins-ca": ca}),
        identities=_sorted_map({"reader": reader, "writer": writer, "gov-reader": gov_reader}),
        key_vaults=_sorted_map({"shared": shared, "legacy": legacy, "gov": gov_vault}),
    )


def shuffled(config: Config, seed: int) -> Config:
    """The same config with every list and map in another order: what a reordered YAML file gives."""
    rng = random.Random(seed)

    def mix(items: list[T]) -> list[T]:
        items = list(items)
        rng.shuffle(items)
        return items

    def mix_map(mapping: Mapping[str, T]) -> Mapping[str, T]:
        return MappingProxyType(dict(mix(list(mapping.items()))))

    identities = {
        key: replace(
            identity,
            credentials=tuple(mix(list(identity.credentials))),
            environment_keys=tuple(mix(list(identity.environment_keys))),
            certificate_keys=tuple(mix(list(identity.certificate_keys))),
            tags=mix_map(identity.tags),
            dataverse=tuple(
                replace(b, plugin_assemblies=tuple(mix(list(b.plugin_assemblies))), plugin_packages=tuple(mix(list(b.plugin_packages))))
                for b in mix(list(identity.dataverse))
            ),
        )
        for key, identity in config.identities.items()
    }
    vaults = {key: replace(vault, grants=tuple(mix(list(vault.grants)))) for key, vault in config.key_vaults.items()}
    return replace(
        config,
        tenants=mix_map(config.tenants),
        environments=mix_map(config.environments),
        certificates=mix_map(config.certificates),
        identities=mix_map(identities),
        key_vaults=mix_map(vaults),
    )


def read_stacks(outdir: Path) -> dict[str, bytes]:
    """Every file under ``outdir`` by relative path, as bytes: what byte-identity is checked on."""
    return {str(path.relative_to(outdir)): path.read_bytes() for path in sorted(outdir.rglob("*")) if path.is_file()}


def load_stack(outdir: Path, tenant: str) -> dict:
    return json.loads((outdir / "stacks" / tenant / "cdk.tf.json").read_text(encoding="utf-8"))
