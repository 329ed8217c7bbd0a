"""The validated model: what every later step (stacks, review, clone, upgrade, verify) reads.

A ``Config`` exists only after loading and checking found no errors, so consumers never re-check
and never re-derive identity strings: each ``FederatedCredential`` carries its final issuer,
subject and audience. Maps are keyed by the user's config keys and kept sorted by key, so the
order of the YAML never changes what is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from validators.clouds import Cloud
from validators.fic import CertificateIdentity, FicFormat

KEY_VAULT_SECRETS_USER_ROLE = "Key Vault Secrets User"
KEY_VAULT_SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role: read secret contents. learn.microsoft.com/azure/role-based-access-control/built-in-roles"""

DEFAULT_SECRET_PERMISSIONS: tuple[str, ...] = ("Get",)
"""Least privilege for ``IManagedIdentityService.AcquireToken`` + reading one named secret."""


class IdentityKind(str, Enum):
    USER_ASSIGNED_IDENTITY = "user_assigned_identity"
    APP_REGISTRATION = "app_registration"


class VaultAuthorization(str, Enum):
    ACCESS_POLICY = "access_policy"
    RBAC = "rbac"


@dataclass(frozen=True)
class LocalBackend:
    path: str
    """Relative to the stack's folder in ``cdktf.out``; never absolute, so output is portable."""


@dataclass(frozen=True)
class AzurermBackend:
    resource_group_name: str
    storage_account_name: str
    container_name: str
    key: str
    subscription_id: str | None = None
    use_azuread_auth: bool = True


Backend = LocalBackend | AzurermBackend


@dataclass(frozen=True)
class Tenant:
    key: str
    tenant_id: str
    cloud: Cloud
    subscription_id: str | None
    backend: Backend


@dataclass(frozen=True)
class Environment:
    key: str
    tenant_key: str
    environment_id: str
    url: str | None = None
    """Dataverse organization URL (``https://contoso.crm.dynamics.com``); needed to link plug-ins and to verify."""


@dataclass(frozen=True)
class Certificate:
    key: str
    identity: CertificateIdentity
    source_file: str | None = None
    """The certificate file the values were read from, as written in the config."""


@dataclass(frozen=True)
class FederatedCredential:
    """One credential on one identity: for one environment and one certificate.

    A self-signed certificate gives the same issuer and subject in v1 and v2, so one credential serves
    both (``fic_formats``); ``fic_format`` is the newest format it serves.
    """

    name: str
    environment_key: str
    certificate_key: str
    fic_format: FicFormat
    issuer: str
    subject: str
    audience: str
    fic_formats: tuple[FicFormat, ...] = ()

    def __post_init__(self) -> None:
        if not self.fic_formats:
            object.__setattr__(self, "fic_formats", (self.fic_format,))

    def serves(self, fic_format: FicFormat) -> bool:
        return fic_format in self.fic_formats

    @property
    def key(self) -> str:
        """Stable id within the identity; also the Terraform construct id suffix."""
        return self.name


@dataclass(frozen=True)
class DataverseBinding:
    """The ``managedidentity`` record of one identity in one environment and the plug-ins linked to it."""

    environment_key: str
    record_id: str
    plugin_assemblies: tuple[str, ...] = ()
    plugin_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    key: str
    tenant_key: str
    kind: IdentityKind
    name: str
    resource_group_name: str | None
    location: str | None
    fic_formats: tuple[FicFormat, ...]
    record_version: int
    """The Dataverse record's ``version``: which of ``fic_formats`` the platform presents now."""
    environment_keys: tuple[str, ...]
    certificate_keys: tuple[str, ...]
    credentials: tuple[FederatedCredential, ...]
    dataverse: tuple[DataverseBinding, ...] = ()
    prevent_destroy: bool = True
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Grant:
    """Read access of one identity to one vault; the vault's authorization decides its shape."""

    identity_key: str
    secret_permissions: tuple[str, ...] = DEFAULT_SECRET_PERMISSIONS
    key_permissions: tuple[str, ...] = ()
    certificate_permissions: tuple[str, ...] = ()
    role_definition_name: str = KEY_VAULT_SECRETS_USER_ROLE


@dataclass(frozen=True)
class KeyVault:
    key: str
    tenant_key: str
    key_vault_id: str
    authorization: VaultAuthorization
    grants: tuple[Grant, ...]

    @property
    def name(self) -> str:
        return self.key_vault_id.rstrip("/").rsplit("/", 1)[-1]

    @property
    def subscription_id(self) -> str:
        return self.key_vault_id.split("/")[2]

    @property
    def resource_group_name(self) -> str:
        return self.key_vault_id.split("/")[4]


@dataclass(frozen=True)
class Settings:
    cloud: str = "public"
    fic_format: FicFormat = FicFormat.V2
    prevent_destroy: bool = True
    acknowledged_warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path | None
    settings: Settings
    tenants: Mapping[str, Tenant]
    environments: Mapping[str, Environment]
    certificates: Mapping[str, Certificate]
    identities: Mapping[str, Identity]
    key_vaults: Mapping[str, KeyVault]

    def identities_in(self, tenant_key: str) -> list[Identity]:
        return [i for i in self.identities.values() if i.tenant_key == tenant_key]

    def key_vaults_in(self, tenant_key: str) -> list[KeyVault]:
        return [v for v in self.key_vaults.values() if v.tenant_key == tenant_key]

    def environment_by_id(self, environment_id: str) -> Environment | None:
        for environment in self.environments.values():
            if environment.environment_id == environment_id:
                return environment
        return None
