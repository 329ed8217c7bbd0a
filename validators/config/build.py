"""Semantic checks and the validated model, in one pass over the parsed document.

Checks read the document defensively (a wrong type was already reported by the schema check), so
every finding in the file is reported in one run. The ``Config`` is returned only when no error is left.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping, TypeVar

from validators.certificates import certificate_from_values, check_certificate_for_format, load_certificate_file
from validators.clouds import CLOUDS
from validators.decode import cloud_caveats
from validators.config import rules
from validators.config.source import Data
from validators.fic import (
    MAX_CLAIM_LENGTH,
    MAX_CREDENTIALS_PER_IDENTITY,
    CertificateIdentity,
    CertificateMatch,
    FicFormat,
    build_fic,
)
from validators.findings import Finding, error, join_location, warning
from validators.model import (
    KEY_VAULT_SECRETS_USER_ROLE,
    AzurermBackend,
    Backend,
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
from validators.values import check_guid, check_text, invisible_characters

KEY_VAULT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.KeyVault/vaults/(?P<name>[^/]+)$"
)
KEY_VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$")

T = TypeVar("T")

_UNKNOWN_REFERENCE = {
    "tenants": "reference.unknown_tenant",
    "environments": "reference.unknown_environment",
    "certificates": "reference.unknown_certificate",
    "identities": "reference.unknown_identity",
}


def _mapping(value: Data) -> dict[str, Data]:
    return value if isinstance(value, dict) else {}


def _items(value: Data) -> list[Data]:
    return value if isinstance(value, list) else []


def _text(value: Data) -> str | None:
    return value if isinstance(value, str) else None


def _sorted(values: dict[str, T]) -> Mapping[str, T]:
    return MappingProxyType(dict(sorted(values.items())))


class _Checker:
    """Walks the document once; collects findings and, where a part is sound, its model object."""

    def __init__(self, data: dict[str, Data], base_dir: Path) -> None:
        self.data = data
        self.base_dir = base_dir
        self.findings: list[Finding] = []
        self.settings = Settings()

    def report(self, finding: Finding, location: str) -> None:
        self.findings.append(finding.under(location))

    def reports(self, findings: list[Finding], location: str) -> None:
        for finding in findings:
            self.report(finding, location)

    def guid(self, value: Data, what: str, location: str) -> str | None:
        """The canonical GUID, or None after reporting why not (invisible characters are reported once, globally)."""
        text = _text(value)
        if text is None:
            return None
        if invisible_characters(text):
            return None
        problems = check_guid(text, what)
        self.reports(problems, location)
        return None if problems else text

    # --- settings -------------------------------------------------------------------------------

    def check_settings(self) -> None:
        raw = _mapping(self.data.get("settings"))
        cloud = _text(raw.get("cloud")) or "public"
        fic_format = _text(raw.get("fic_format")) or "v2"
        self.settings = Settings(
            cloud=cloud if cloud in CLOUDS else "public",
            fic_format=FicFormat(fic_format) if fic_format in ("v0", "v1", "v2") else FicFormat.V2,
            prevent_destroy=raw.get("prevent_destroy") is not False,
            acknowledged_warnings=tuple(sorted(str(a) for a in _items(raw.get("acknowledged_warnings")))),
        )

    # --- tenants --------------------------------------------------------------------------------

    def check_tenants(self) -> dict[str, Tenant]:
        tenants: dict[str, Tenant] = {}
        owner_of_id: dict[str, str] = {}
        for key, raw_value in _mapping(self.data.get("tenants")).items():
            raw = _mapping(raw_value)
            where = f"tenants.{key}"
            tenant_id = self.guid(raw.get("tenant_id"), "tenant_id", f"{where}.tenant_id")
            subscription_id = None
            if "subscription_id" in raw:
                subscription_id = self.guid(raw.get("subscription_id"), "subscription_id", f"{where}.subscription_id")
            if tenant_id and tenant_id in owner_of_id:
                self.report(
                    error(
                        "tenant.duplicate_id",
                        f"Tenants {owner_of_id[tenant_id]!r} and {key!r} have the same tenant_id.",
                        "Use one key per tenant; environments, identities and vaults refer to it by key.",
                        value=tenant_id,
                    ),
                    f"{where}.tenant_id",
                )
            cloud_name = _text(raw.get("cloud")) or self.settings.cloud
            backend = self.backend(key, _mapping(raw.get("backend")))
            if cloud_name in CLOUDS:
                self.reports(cloud_caveats(CLOUDS[cloud_name]), f"{where}.cloud")
            if tenant_id and cloud_name in CLOUDS:
                owner_of_id.setdefault(tenant_id, key)
                tenants[key] = Tenant(key, tenant_id, CLOUDS[cloud_name], subscription_id, backend)
        return tenants

    @staticmethod
    def backend(tenant_key: str, raw: dict[str, Data]) -> Backend:
        if raw.get("type") == "azurerm":
            return AzurermBackend(
                resource_group_name=str(raw.get("resource_group_name", "")),
                storage_account_name=str(raw.get("storage_account_name", "")),
                container_name=str(raw.get("container_name", "")),
                key=str(raw.get("key", "")),
                subscription_id=_text(raw.get("subscription_id")),
                use_azuread_auth=raw.get("use_azuread_auth") is not False,
            )
        return LocalBackend(path=_text(raw.get("path")) or f"terraform.{tenant_key}.tfstate")

    # --- environments ---------------------------------------------------------------------------

    def check_environments(self, tenants: Mapping[str, Tenant]) -> dict[str, Environment]:
        environments: dict[str, Environment] = {}
        owner_of_id: dict[str, str] = {}
        for key, raw_value in _mapping(self.data.get("environments")).items():
            raw = _mapping(raw_value)
            where = f"environments.{key}"
            tenant_ok = self.reference(raw.get("tenant"), "tenants", f"{where}.tenant")
            environment_id = self.guid(raw.get("environment_id"), "environment_id", f"{where}.environment_id")
            if environment_id and environment_id in owner_of_id:
                self.report(
                    error(
                        "environment.duplicate_id",
                        f"Environments {owner_of_id[environment_id]!r} and {key!r} have the same environment_id.",
                        "Each Power Platform environment appears once; identities list every key that serves it.",
                        value=environment_id,
                    ),
                    f"{where}.environment_id",
                )
            url = _text(raw.get("url"))
            if tenant_ok and environment_id and str(raw["tenant"]) in tenants:
                owner_of_id.setdefault(environment_id, key)
                environments[key] = Environment(key, str(raw["tenant"]), environment_id, url.rstrip("/") if url else None)
        return environments

    def reference(self, value: Data, section: str, location: str) -> bool:
        """Whether ``value`` names an entry of ``section``; reports an unknown name with the known ones."""
        known = _mapping(self.data.get(section))
        name = _text(value)
        if name is None:
            return False
        if name in known:
            return True
        choices = ", ".join(sorted(known)) or "none defined"
        self.report(
            error(
                _UNKNOWN_REFERENCE[section],
                f"{name!r} is not defined under {section}.",
                f"Use one of: {choices}; or add {name!r} to {section}.",
                value=name,
            ),
            location,
        )
        return False

    # --- certificates ---------------------------------------------------------------------------

    def check_certificates(self) -> dict[str, Certificate]:
        certificates: dict[str, Certificate] = {}
        for key, raw_value in _mapping(self.data.get("certificates")).items():
            raw = _mapping(raw_value)
            where = f"certificates.{key}"
            given = [name for name in ("sha256", "thumbprint", "issuer_dn", "subject_dn") if name in raw]
            file_name = _text(raw.get("file"))
            match = _text(raw.get("match"))
            identity: CertificateIdentity | None = None
            if file_name is not None and given:
                self.report(
                    error(
                        "certificate.ambiguous",
                        f"The certificate gives both a file and values ({', '.join(given)}).",
                        "Keep the file (ppmi reads every value from it) or the values, not both.",
                    ),
                    where,
                )
                continue
            if file_name is not None:
                loaded = load_certificate_file(self.base_dir / file_name)
                self.reports(list(loaded.findings), f"{where}.file")
                identity = loaded.identity
                if identity is not None and match is not None:
                    identity = replace(identity, match=CertificateMatch(match))
            elif given or match:
                identity, problems = certificate_from_values(
                    match,
                    _text(raw.get("sha256")),
                    _text(raw.get("thumbprint")),
                    _text(raw.get("issuer_dn")),
                    _text(raw.get("subject_dn")),
                )
                self.reports(problems, where)
            else:
                self.report(
                    error(
                        "certificate.missing_values",
                        "The certificate has neither a file nor values.",
                        "Give `file: path/to/signing.cer` (the public certificate), or `sha256` for a self-signed "
                        "certificate, or `issuer_dn` and `subject_dn` for a CA-issued one.",
                    ),
                    where,
                )
            if identity is not None:
                certificates[key] = Certificate(key, identity, file_name)
        return certificates

    # --- identities -----------------------------------------------------------------------------

    def check_identities(
        self,
        tenants: Mapping[str, Tenant],
        environments: Mapping[str, Environment],
        certificates: Mapping[str, Certificate],
    ) -> dict[str, Identity]:
        identities: dict[str, Identity] = {}
        azure_names: dict[tuple[str, str, str], str] = {}
        record_ids: dict[str, str] = {}
        for key, raw_value in _mapping(self.data.get("identities")).items():
            raw = _mapping(raw_value)
            where = f"identities.{key}"
            tenant_key = _text(raw.get("tenant"))
            tenant_ok = self.reference(raw.get("tenant"), "tenants", f"{where}.tenant")
            kind_text = _text(raw.get("kind"))
            kind = IdentityKind(kind_text) if kind_text in ("user_assigned_identity", "app_registration") else None
            name = _text(raw.get("name")) or ""
            self.check_identity_placement(raw, kind, where)
            resource_group = _text(raw.get("resource_group_name"))
            location = _text(raw.get("location"))
            if kind is not None and tenant_key and name:
                slot = (tenant_key, kind.value, (resource_group or "").lower() + "/" + name.lower())
                if slot in azure_names:
                    self.report(
                        error(
                            "identity.duplicate_name",
                            f"Identities {azure_names[slot]!r} and {key!r} would create the same Azure object {name!r}.",
                            "Give each identity its own name (or resource group).",
                            value=name,
                        ),
                        f"{where}.name",
                    )
                azure_names.setdefault(slot, key)

            formats, record_version = self.check_formats(raw, where, tenants.get(tenant_key or ""))
            environment_keys = self.check_identity_environments(raw, where, tenant_key, environments)
            certificate_keys = self.check_identity_certificates(raw, where, formats, certificates)
            credentials = self.build_credentials(
                where, raw, formats, tenants.get(tenant_key or ""), environment_keys, certificate_keys, environments, certificates
            )
            bindings = self.check_dataverse(raw, where, environment_keys, environments, record_ids)

            sound = (
                tenant_ok
                and kind is not None
                and credentials is not None
                and record_version is not None
                and bindings is not None
                and tenant_key in tenants
            )
            if sound:
                tags = _mapping(raw.get("tags"))
                identities[key] = Identity(
                    key=key,
                    tenant_key=str(tenant_key),
                    kind=kind,  # type: ignore[arg-type]
                    name=name,
                    resource_group_name=resource_group,
                    location=location,
                    fic_formats=formats,
                    record_version=record_version,  # type: ignore[arg-type]
                    environment_keys=tuple(sorted(environment_keys)),
                    certificate_keys=tuple(sorted(certificate_keys)),
                    credentials=tuple(credentials),  # type: ignore[arg-type]
                    dataverse=tuple(bindings),  # type: ignore[arg-type]
                    prevent_destroy=raw.get("prevent_destroy", self.settings.prevent_destroy) is not False,
                    tags=MappingProxyType({str(k): str(v) for k, v in sorted(tags.items())}),
                )
        return identities

    def check_identity_placement(self, raw: dict[str, Data], kind: IdentityKind | None, where: str) -> None:
        if kind is IdentityKind.USER_ASSIGNED_IDENTITY:
            for field_name in ("resource_group_name", "location"):
                if field_name not in raw:
                    self.report(
                        error(
                            "identity.missing_field",
                            f"A user-assigned identity needs `{field_name}`.",
                            "Add the resource group and Azure region the identity lives in.",
                        ),
                        where,
                    )
            location = _text(raw.get("location"))
            if location in rules.FIC_UNSUPPORTED_REGIONS:
                self.report(
                    error(
                        "identity.region_unsupported",
                        f"User-assigned identities in {location!r} do not support federated credentials (HTTP 405).",
                        "Create the identity in another region; the region of an identity does not limit where it is used.",
                        value=location,
                    ),
                    f"{where}.location",
                )
            elif location in rules.FIC_FORMERLY_UNSUPPORTED_REGIONS:
                self.report(
                    warning(
                        "identity.region_formerly_unsupported",
                        f"An older version of Microsoft's documentation listed {location!r} as not supporting "
                        "federated credentials on user-assigned identities.",
                        "If creating a credential fails with HTTP 405 'not enabled', move the identity to another region.",
                        value=location,
                    ),
                    f"{where}.location",
                )
        elif kind is IdentityKind.APP_REGISTRATION:
            for field_name in ("resource_group_name", "location"):
                if field_name in raw:
                    self.report(
                        warning(
                            "identity.ignored_field",
                            f"`{field_name}` has no meaning for an app registration and is ignored.",
                            "Remove it, or use kind: user_assigned_identity.",
                        ),
                        f"{where}.{field_name}",
                    )

    def check_formats(
        self, raw: dict[str, Data], where: str, tenant: Tenant | None
    ) -> tuple[tuple[FicFormat, ...], int | None]:
        listed = [f for f in _items(raw.get("fic_formats")) if f in ("v0", "v1", "v2")]
        formats = tuple(sorted({FicFormat(str(f)) for f in listed})) or (self.settings.fic_format,)
        versions = {f.record_version for f in formats}
        record_version = raw.get("record_version")
        if record_version is None:
            if len(formats) > 1:
                self.report(
                    error(
                        "identity.record_version_required",
                        f"With two credential formats ({', '.join(f.value for f in formats)}) the record version "
                        "must be stated: it says which one Power Platform presents now.",
                        "Set record_version to the Dataverse managedidentity record's current version "
                        "(1 during phase 1 of an upgrade, 2 after the record is switched).",
                    ),
                    where,
                )
                return formats, None
            record_version = formats[0].record_version
        elif not isinstance(record_version, int) or record_version not in versions:
            self.report(
                error(
                    "identity.record_version_mismatch",
                    f"record_version {record_version!r} selects a format this identity has no credential for "
                    f"({', '.join(f.value for f in formats)}).",
                    "Make record_version match one of fic_formats: tokens fail with AADSTS700213 otherwise.",
                ),
                f"{where}.record_version",
            )
            return formats, None
        if FicFormat.V0 in formats:
            self.report(
                warning(
                    "fic.v0_deprecated",
                    "The v0 credential format (2024 preview) is deprecated.",
                    "Move to v2: `ppmi upgrade CONFIG --to v2` plans the safe order.",
                ),
                f"{where}.fic_formats",
            )
            if tenant is not None and not tenant.cloud.v0_supported:
                self.report(
                    error(
                        "fic.v0_cloud_unknown",
                        f"The v0 issuer is documented for the public cloud only, not for {tenant.cloud.name!r}.",
                        "Use v2, which is documented for every cloud.",
                    ),
                    f"{where}.fic_formats",
                )
        return formats, int(record_version)

    def check_identity_environments(
        self, raw: dict[str, Data], where: str, tenant_key: str | None, environments: Mapping[str, Environment]
    ) -> list[str]:
        keys = []
        for index, item in enumerate(_items(raw.get("environments"))):
            location = f"{where}.environments[{index}]"
            if not self.reference(item, "environments", location):
                continue
            environment = environments.get(str(item))
            if environment is None:
                continue
            if tenant_key and environment.tenant_key != tenant_key:
                self.report(
                    error(
                        "identity.tenant_mismatch",
                        f"Environment {item!r} is in tenant {environment.tenant_key!r}, but the identity is in "
                        f"{tenant_key!r}: Power Platform exchanges tokens only with identities in its own tenant.",
                        f"Serve {item!r} with an identity in tenant {environment.tenant_key!r} "
                        "(`ppmi clone` creates one).",
                        value=str(item),
                    ),
                    location,
                )
                continue
            keys.append(str(item))
        return keys

    def check_identity_certificates(
        self,
        raw: dict[str, Data],
        where: str,
        formats: tuple[FicFormat, ...],
        certificates: Mapping[str, Certificate],
    ) -> list[str]:
        keys = []
        for index, item in enumerate(_items(raw.get("certificates"))):
            location = f"{where}.certificates[{index}]"
            if not self.reference(item, "certificates", location):
                continue
            certificate = certificates.get(str(item))
            if certificate is None:
                continue
            problems = [p for f in formats for p in certificate_fits_format(certificate.identity, f)]
            self.reports(problems, location)
            if not any(p.is_error for p in problems):
                keys.append(str(item))
        return keys

    def build_credentials(
        self,
        where: str,
        raw: dict[str, Data],
        formats: tuple[FicFormat, ...],
        tenant: Tenant | None,
        environment_keys: list[str],
        certificate_keys: list[str],
        environments: Mapping[str, Environment],
        certificates: Mapping[str, Certificate],
    ) -> list[FederatedCredential] | None:
        """One credential per environment x certificate x distinct subject; see ``credential_name``."""
        if tenant is None:
            return None
        credentials: list[FederatedCredential] = []
        claims_owner: dict[tuple[str, str], str] = {}
        env_index = {str(v): i for i, v in enumerate(_items(raw.get("environments")))}
        sound = True
        for environment_key in environment_keys:
            environment = environments[environment_key]
            location = f"{where}.environments[{env_index[environment_key]}]"
            for certificate_key in certificate_keys:
                certificate = certificates[certificate_key].identity
                served: dict[tuple[str, str], list[FicFormat]] = {}
                strings_of: dict[tuple[str, str], str] = {}
                for fic_format in formats:
                    strings = build_fic(fic_format, tenant.cloud, tenant.tenant_id, environment.environment_id, certificate)
                    served.setdefault((strings.issuer, strings.subject), []).append(fic_format)
                    strings_of[(strings.issuer, strings.subject)] = strings.audience
                for (issuer, subject), served_formats in served.items():
                    name = credential_name(environment_key, certificate_key, certificate.match, served_formats)
                    for claim, text in (("issuer", issuer), ("subject", subject)):
                        if len(text) > MAX_CLAIM_LENGTH:
                            sound = False
                            self.report(
                                error(
                                    "fic.claim_too_long",
                                    f"The {claim} of credential {name!r} has {len(text)} characters; Entra ID accepts "
                                    f"at most {MAX_CLAIM_LENGTH}.",
                                    "Use the v2 format: its CA-issued subject hashes the distinguished names.",
                                    value=text,
                                ),
                                location,
                            )
                    if (issuer, subject) in claims_owner:
                        sound = False
                        self.report(
                            error(
                                "fic.duplicate_claims",
                                f"Credentials {claims_owner[(issuer, subject)]!r} and {name!r} have the same issuer and "
                                "subject; Entra ID refuses the second.",
                                "Two certificate keys describe the same certificate: list it once.",
                            ),
                            location,
                        )
                        continue
                    claims_owner[(issuer, subject)] = name
                    credentials.append(
                        FederatedCredential(
                            name=name,
                            environment_key=environment_key,
                            certificate_key=certificate_key,
                            fic_format=max(served_formats),
                            issuer=issuer,
                            subject=subject,
                            audience=strings_of[(issuer, subject)],
                            fic_formats=tuple(sorted(served_formats)),
                        )
                    )
        if len(credentials) > MAX_CREDENTIALS_PER_IDENTITY:
            self.report(
                error(
                    "fic.limit_exceeded",
                    f"This identity needs {len(credentials)} federated credentials (environments x certificates, and "
                    f"CA-issued certificates once per format); Entra ID allows at most {MAX_CREDENTIALS_PER_IDENTITY}.",
                    "Split the environments over two identities, or sign every plug-in with fewer certificates.",
                ),
                where,
            )
            return None
        expected = len(_items(raw.get("environments"))) * len(_items(raw.get("certificates")))
        if not sound or len({(c.environment_key, c.certificate_key) for c in credentials}) != expected:
            return None
        return sorted(credentials, key=lambda c: c.name)

    def check_dataverse(
        self,
        raw: dict[str, Data],
        where: str,
        environment_keys: list[str],
        environments: Mapping[str, Environment],
        record_ids: dict[str, str],
    ) -> list[DataverseBinding] | None:
        bindings = []
        sound = True
        listed = {str(e) for e in _items(raw.get("environments"))}
        for environment_key, binding_value in _mapping(raw.get("dataverse")).items():
            binding = _mapping(binding_value)
            location = f"{where}.dataverse.{environment_key}"
            if environment_key not in listed:
                self.report(
                    error(
                        "dataverse.environment_not_served",
                        f"Dataverse settings are given for {environment_key!r}, which this identity does not serve.",
                        f"Add {environment_key!r} to the identity's environments, or remove these settings.",
                        value=environment_key,
                    ),
                    location,
                )
                sound = False
                continue
            record_id = self.guid(binding.get("record_id"), "record_id", f"{location}.record_id")
            if record_id and record_id in record_ids:
                self.report(
                    error(
                        "dataverse.duplicate_record_id",
                        f"The record_id is already used by {record_ids[record_id]}.",
                        "Give each identity and environment its own record GUID (for example from `uuidgen`).",
                        value=record_id,
                    ),
                    f"{location}.record_id",
                )
                sound = False
            if record_id:
                record_ids.setdefault(record_id, location)
            links: dict[str, list[str]] = {}
            for field_name in ("plugin_assemblies", "plugin_packages"):
                links[field_name] = []
                for index, item in enumerate(_items(binding.get(field_name))):
                    guid = self.guid(item, "plug-in ID", f"{location}.{field_name}[{index}]")
                    if guid is None:
                        sound = False
                    else:
                        links[field_name].append(guid)
            environment = environments.get(environment_key)
            if (links["plugin_assemblies"] or links["plugin_packages"]) and environment is not None and not environment.url:
                self.report(
                    error(
                        "dataverse.url_required",
                        f"Linking plug-ins needs the Dataverse URL of environment {environment_key!r}.",
                        f"Add `url: https://<org>.crm.dynamics.com` to environments.{environment_key}.",
                    ),
                    location,
                )
                sound = False
            if record_id is None:
                sound = False
                continue
            bindings.append(
                DataverseBinding(
                    environment_key,
                    record_id,
                    tuple(sorted(links["plugin_assemblies"])),
                    tuple(sorted(links["plugin_packages"])),
                )
            )
        return sorted(bindings, key=lambda b: b.environment_key) if sound else None

    # --- key vaults -----------------------------------------------------------------------------

    def check_key_vaults(self, identities_raw: dict[str, Data]) -> dict[str, KeyVault]:
        vaults: dict[str, KeyVault] = {}
        for key, raw_value in _mapping(self.data.get("key_vaults")).items():
            raw = _mapping(raw_value)
            where = f"key_vaults.{key}"
            tenant_ok = self.reference(raw.get("tenant"), "tenants", f"{where}.tenant")
            vault_id = self.check_key_vault_id(raw.get("key_vault_id"), f"{where}.key_vault_id")
            authorization_text = _text(raw.get("authorization"))
            authorization = (
                VaultAuthorization(authorization_text) if authorization_text in ("access_policy", "rbac") else None
            )
            grants = []
            for identity_key, grant_value in _mapping(raw.get("grants")).items():
                location = f"{where}.grants.{identity_key}"
                if not self.reference(identity_key, "identities", location):
                    continue
                identity_tenant = _text(_mapping(identities_raw.get(identity_key)).get("tenant"))
                if identity_tenant and tenant_ok and identity_tenant != raw.get("tenant"):
                    self.report(
                        error(
                            "keyvault.tenant_mismatch",
                            f"Identity {identity_key!r} is in tenant {identity_tenant!r}, the vault in {raw.get('tenant')!r}: "
                            "an identity cannot be granted access to another tenant's vault.",
                            "Grant an identity of the vault's tenant instead (`ppmi clone` creates one).",
                        ),
                        location,
                    )
                    continue
                grant = self.check_grant(_mapping(grant_value), authorization, identity_key, location)
                if grant is not None:
                    grants.append(grant)
            if tenant_ok and vault_id and authorization is not None:
                vaults[key] = KeyVault(
                    key, str(raw["tenant"]), vault_id, authorization, tuple(sorted(grants, key=lambda g: g.identity_key))
                )
        return vaults

    def check_key_vault_id(self, value: Data, location: str) -> str | None:
        text = _text(value)
        if text is None or invisible_characters(text):
            return None
        match = KEY_VAULT_ID.match(text)
        hint = (
            "Copy the vault's Resource ID from its Properties page in the Azure portal "
            "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>)."
        )
        if not match:
            self.report(error("keyvault.invalid_id", "The key_vault_id is not a Key Vault resource ID.", hint, value=text), location)
            return None
        if check_guid(match["subscription"], "subscription ID"):
            self.reports(check_guid(match["subscription"], "subscription ID in key_vault_id"), location)
            return None
        if not KEY_VAULT_NAME.match(match["name"]) or "--" in match["name"]:
            self.report(
                error(
                    "keyvault.invalid_name",
                    f"{match['name']!r} is not a valid Key Vault name.",
                    "Vault names are 3-24 characters of letters, digits and single dashes, starting with a letter.",
                    value=match["name"],
                ),
                location,
            )
            return None
        return text

    def check_grant(
        self, raw: dict[str, Data], authorization: VaultAuthorization | None, identity_key: str, location: str
    ) -> Grant | None:
        permission_fields = [f for f in ("secret_permissions", "key_permissions", "certificate_permissions") if f in raw]
        if authorization is VaultAuthorization.RBAC:
            if permission_fields:
                self.report(
                    error(
                        "keyvault.grant_kind_mismatch",
                        f"The vault uses RBAC, but the grant lists access-policy permissions ({', '.join(permission_fields)}).",
                        "Remove the permissions (the default role is Key Vault Secrets User), or set the vault's "
                        "authorization to access_policy if it really uses access policies.",
                    ),
                    location,
                )
                return None
            role = _text(raw.get("role_definition_name")) or KEY_VAULT_SECRETS_USER_ROLE
            if role in rules.BROADER_SECRET_ROLES:
                self.report(
                    warning(
                        "keyvault.broad_role",
                        f"The role {role!r} grants more than reading secrets.",
                        f"Use {KEY_VAULT_SECRETS_USER_ROLE!r} unless the plug-in must change the vault.",
                        value=role,
                    ),
                    f"{location}.role_definition_name",
                )
            elif role != KEY_VAULT_SECRETS_USER_ROLE:
                self.report(
                    warning(
                        "keyvault.unfamiliar_role",
                        f"The role {role!r} is not one ppmi knows to allow reading secrets.",
                        f"Check that it includes Microsoft.KeyVault/vaults/secrets/getSecret/action, or use "
                        f"{KEY_VAULT_SECRETS_USER_ROLE!r}.",
                        value=role,
                    ),
                    f"{location}.role_definition_name",
                )
            return Grant(identity_key=identity_key, secret_permissions=(), role_definition_name=role)
        if authorization is VaultAuthorization.ACCESS_POLICY and "role_definition_name" in raw:
            self.report(
                error(
                    "keyvault.grant_kind_mismatch",
                    "The vault uses access policies, but the grant names a role.",
                    "Give secret_permissions (default [Get]) instead, or set the vault's authorization to rbac.",
                ),
                location,
            )
            return None
        permissions: dict[str, tuple[str, ...]] = {}
        sound = True
        for field_name, allowed in (
            ("secret_permissions", rules.SECRET_PERMISSIONS),
            ("key_permissions", rules.KEY_PERMISSIONS),
            ("certificate_permissions", rules.CERTIFICATE_PERMISSIONS),
        ):
            values = [str(v) for v in _items(raw.get(field_name))]
            for index, value in enumerate(values):
                if value not in allowed:
                    self.report(
                        error(
                            "keyvault.unknown_permission",
                            f"{value!r} is not a Key Vault {field_name.split('_')[0]} permission.",
                            f"Use one of: {', '.join(sorted(allowed))} (capitalized as shown).",
                            value=value,
                        ),
                        f"{location}.{field_name}[{index}]",
                    )
                    sound = False
            permissions[field_name] = tuple(sorted(set(values)))
        secret = permissions["secret_permissions"] if "secret_permissions" in raw else ("Get",)
        broad = sorted(set(secret) - rules.READ_SECRET_PERMISSIONS)
        if broad:
            self.report(
                warning(
                    "keyvault.broad_secret_permissions",
                    f"The grant allows {', '.join(broad)} on secrets; a plug-in that reads secrets needs only Get.",
                    "Keep secret_permissions: [Get] (List only if the plug-in enumerates secrets).",
                ),
                f"{location}.secret_permissions",
            )
        if "Get" not in secret and sound:
            self.report(
                warning(
                    "keyvault.no_secret_get",
                    "The grant does not allow Get on secrets: the plug-in cannot read a secret's value.",
                    "Add Get to secret_permissions.",
                ),
                f"{location}.secret_permissions",
            )
        for field_name in ("key_permissions", "certificate_permissions"):
            if permissions[field_name]:
                self.report(
                    warning(
                        "keyvault.key_or_certificate_permissions",
                        f"The grant allows {field_name.split('_')[0]} operations, which reading secrets does not need.",
                        f"Remove {field_name} unless the plug-in uses keys or certificates directly.",
                    ),
                    f"{location}.{field_name}",
                )
        if not sound:
            return None
        return Grant(
            identity_key=identity_key,
            secret_permissions=tuple(sorted(secret)),
            key_permissions=permissions["key_permissions"],
            certificate_permissions=permissions["certificate_permissions"],
        )


def credential_name(
    environment_key: str, certificate_key: str, match: CertificateMatch, fic_formats: list[FicFormat]
) -> str:
    """``{environment}-{certificate}``, plus the format where the subject depends on it.

    v1 and v2 give the same subject for a self-signed certificate, so its credential keeps one name across an
    upgrade (names are immutable in Entra ID; a new name would mean a new credential with the same subject,
    which Entra ID refuses). v0 and the CA-issued forms differ per format and carry it in the name. Config keys
    (at most 40 characters of ``[a-z0-9_-]``) keep every name within Entra ID's rule: 3-120 characters of
    letters, digits, '-' and '_', starting with a letter or digit.
    """
    base = f"{environment_key}-{certificate_key}"
    if match is CertificateMatch.HASH and FicFormat.V0 not in fic_formats:
        return base
    return f"{base}-{max(fic_formats).value}"


def certificate_fits_format(certificate: CertificateIdentity, fic_format: FicFormat) -> list[Finding]:
    """Whether the certificate carries what ``fic_format`` needs, located at the identity's reference to it."""
    findings = [replace(f, location="") for f in check_certificate_for_format(certificate, fic_format)]
    if fic_format is FicFormat.V1 and certificate.match is CertificateMatch.ISSUER_SUBJECT:
        findings.append(
            warning(
                "fic.v1_ca_legacy",
                "The v1 CA-issued form names certificates by their common names, which breaks on commas and non-ASCII.",
                "Use v2, which hashes the full distinguished names.",
            )
        )
    return findings


def _walk_strings(data: Data, location: str, visit: Callable[[str, str, bool], None]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            child = join_location(location, str(key))
            visit(str(key), child, True)
            _walk_strings(value, child, visit)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _walk_strings(item, f"{location}[{index}]", visit)
    elif isinstance(data, str):
        visit(data, location, False)


def check_every_string(data: Data) -> list[Finding]:
    """Template sequences, invisible characters and secret material, wherever they are."""
    findings: list[Finding] = []

    def visit(text: str, location: str, is_key: bool) -> None:
        findings.extend(f.under(location) for f in check_text(text))
        lowered = text.lower()
        if is_key and any(word in lowered for word in rules.SECRET_LIKE_KEYS) and not lowered.endswith("_permissions"):
            findings.append(
                error(
                    "config.secret_refused",
                    f"The key {text!r} would hold secret material; ppmi accepts no secrets of any kind.",
                    "Remove it. Power Platform managed identity needs no stored secret: the plug-in's signing "
                    "certificate and the federated credential replace it.",
                    location=location,
                )
            )
        if not is_key and "-----BEGIN" in text and "PRIVATE KEY" in text:
            findings.append(
                error(
                    "config.secret_refused",
                    "The value contains a private key; ppmi accepts no secrets of any kind.",
                    "Remove it; give the public certificate (.cer) instead.",
                    location=location,
                )
            )

    _walk_strings(data, "", visit)
    return findings


def check_document(data: dict[str, Data], base_dir: Path, path: Path | None) -> tuple[Config | None, list[Finding]]:
    checker = _Checker(data, base_dir)
    checker.findings.extend(check_every_string(data))
    checker.check_settings()
    tenants = checker.check_tenants()
    environments = checker.check_environments(tenants)
    certificates = checker.check_certificates()
    identities = checker.check_identities(tenants, environments, certificates)
    key_vaults = checker.check_key_vaults(_mapping(data.get("identities")))
    findings = checker.findings
    if any(f.is_error for f in findings):
        return None, findings
    config = Config(
        path=path,
        settings=checker.settings,
        tenants=_sorted(tenants),
        environments=_sorted(environments),
        certificates=_sorted(certificates),
        identities=_sorted(identities),
        key_vaults=_sorted(key_vaults),
    )
    return config, findings


