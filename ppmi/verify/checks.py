"""Compare live state with the config, one ``Check`` per item, in config-key order.

Each check is located by a config path built from keys (``identities.reader.federated_credentials.
prod-plugins-v2``), never by list position, so the same config and the same live state give the same
report. A read the caller may not make fails its check with the role that would allow it; a failure
to authenticate or connect stops the run (``EnvironmentFailure``), because every later read would fail
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Iterable, Mapping, Sequence

from ppmi.verify.clients import (
    ARM_AUTHORIZATION_API_VERSION,
    ARM_IDENTITY_API_VERSION,
    ARM_KEY_VAULT_API_VERSION,
    DATAVERSE_API,
    Connections,
    PermissionDenied,
    ReadFailure,
    ServiceClient,
)
from validators.decode import decode_issuer, decode_subject
from validators.fic import MAX_CREDENTIALS_PER_IDENTITY
from validators.findings import Finding, error, warning
from validators.model import (
    KEY_VAULT_SECRETS_USER_ROLE,
    KEY_VAULT_SECRETS_USER_ROLE_ID,
    Config,
    DataverseBinding,
    FederatedCredential,
    Grant,
    Identity,
    IdentityKind,
    KeyVault,
    VaultAuthorization,
)

KEY_VAULT_SECRETS_OFFICER_ROLE_ID = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
KEY_VAULT_ADMINISTRATOR_ROLE_ID = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
BUILT_IN_ROLE_IDS: dict[str, str] = {
    KEY_VAULT_SECRETS_USER_ROLE: KEY_VAULT_SECRETS_USER_ROLE_ID,
    "Key Vault Secrets Officer": KEY_VAULT_SECRETS_OFFICER_ROLE_ID,
    "Key Vault Administrator": KEY_VAULT_ADMINISTRATOR_ROLE_ID,
}
"""Built-in roles that read secret values; the wider two also cover a "Key Vault Secrets User" grant.
Source: learn.microsoft.com/azure/role-based-access-control/built-in-roles/security."""

SECRET_READING_ROLE_IDS: frozenset[str] = frozenset(BUILT_IN_ROLE_IDS.values())

CREDENTIAL_SOURCE_MANAGED = 2
SUBJECT_SCOPE_ENVIRONMENT = 1
"""``managedidentity.credentialsource`` 2 (IsManaged) and ``subjectscope`` 1 (environment scope); domain.md §4."""

TOKEN_ERROR_FOR_FIELD: dict[str, str] = {
    "issuer": "AADSTS700211",
    "subject": "AADSTS700213",
    "audience": "AADSTS700212",
}


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skipped"


@dataclass(frozen=True)
class Check:
    """One comparison: where in the config, what was compared, the outcome and the findings behind a failure."""

    location: str
    title: str
    status: Status
    detail: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class LiveCredential:
    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class LiveIdentity:
    """What Azure says about an identity: the ids later checks need, and where its credentials are listed."""

    resource_url: str
    client_id: str
    principal_id: str | None


@dataclass(frozen=True)
class Selection:
    """``--identity`` and ``--environment``: empty means all."""

    identity_keys: tuple[str, ...] = ()
    environment_keys: tuple[str, ...] = ()

    def identities(self, config: Config) -> list[Identity]:
        return [i for key, i in sorted(config.identities.items()) if not self.identity_keys or key in self.identity_keys]

    def environments(self, identity: Identity) -> list[str]:
        keys = sorted(identity.environment_keys)
        return [key for key in keys if not self.environment_keys or key in self.environment_keys]


Progress = Callable[[str], None]


@dataclass
class Verifier:
    """Walks the config and reads live state through ``connections``; ``checks`` grows as it goes."""

    config: Config
    connections: Connections
    selection: Selection = field(default_factory=Selection)
    progress: Progress = lambda message: None
    checks: list[Check] = field(default_factory=list)
    _live: dict[str, LiveIdentity | None] = field(default_factory=dict)

    def run(self) -> list[Check]:
        """Every check, in config-key order; raises ``EnvironmentFailure`` when nothing more can be read."""
        identities = self.selection.identities(self.config)
        for identity in identities:
            self.progress(f"identity {identity.key}: reading {identity.kind.value} {identity.name}")
            self._verify_identity(identity)
        selected = {identity.key for identity in identities}
        for key, vault in sorted(self.config.key_vaults.items()):
            grants = [grant for grant in vault.grants if grant.identity_key in selected]
            if grants:
                self.progress(f"key vault {key}: reading {vault.name}")
                self._verify_vault(vault, sorted(grants, key=lambda grant: grant.identity_key))
        for identity in identities:
            self._verify_dataverse(identity)
        return self.checks

    def _add(self, location: str, title: str, status: Status, detail: str, findings: Iterable[Finding] = ()) -> None:
        located = tuple(f if f.location else f.under(location) for f in findings)
        self.checks.append(Check(location, title, status, detail, located))

    def _denied(self, location: str, title: str, failure: ReadFailure) -> None:
        """A read that failed with a status verify cannot act on: the check fails and says why."""
        if isinstance(failure, PermissionDenied):
            finding = error(
                "verify.no_permission",
                f"No permission to read {failure.what} from {failure.service.name} (HTTP {failure.status}). "
                f"{failure.detail}".strip(),
                f"Give the account verify runs as {failure.service.reader_access}.",
            )
            self._add(location, title, Status.FAIL, f"no permission to read {failure.what}", [finding])
            return
        finding = error(
            "verify.unexpected_response",
            f"{failure.service.name} answered HTTP {failure.status} for {failure.what}: {failure.detail}",
            "Check the endpoint and the names in the config; run again with the same options to see if it persists.",
        )
        self._add(location, title, Status.FAIL, f"unexpected answer for {failure.what}", [finding])

    # Identities and their federated credentials

    def _verify_identity(self, identity: Identity) -> None:
        location = f"identities.{identity.key}"
        title = f"{_kind_label(identity.kind)} {identity.name} exists"
        try:
            if identity.kind is IdentityKind.USER_ASSIGNED_IDENTITY:
                live = self._read_user_assigned_identity(identity, location, title)
            else:
                live = self._read_app_registration(identity, location, title)
        except ReadFailure as failure:
            self._denied(location, title, failure)
            live = None
        self._live[identity.key] = live
        credentials_location = f"{location}.federated_credentials"
        if live is None:
            for credential in self._selected_credentials(identity):
                self._add(
                    f"{credentials_location}.{credential.name}",
                    f"federated credential {credential.name}",
                    Status.SKIP,
                    f"identity {identity.key} is not available",
                )
            return
        try:
            listed = self._read_credentials(identity, live)
        except ReadFailure as failure:
            self._denied(credentials_location, "federated credentials", failure)
            return
        self._compare_credentials(identity, listed, credentials_location)

    def _read_user_assigned_identity(self, identity: Identity, location: str, title: str) -> LiveIdentity | None:
        tenant = self.config.tenants[identity.tenant_key]
        if not tenant.subscription_id:
            self._add(location, title, Status.SKIP, f"tenant {tenant.key} has no subscription_id to look in")
            return None
        path = (
            f"/subscriptions/{tenant.subscription_id}/resourceGroups/{identity.resource_group_name}"
            f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity.name}"
        )
        arm = self.connections.arm(identity.tenant_key)
        document = arm.get(path, {"api-version": ARM_IDENTITY_API_VERSION}, f"user-assigned identity {identity.name}")
        if document is None:
            self._add(
                location,
                title,
                Status.FAIL,
                "not found",
                [
                    error(
                        "verify.identity_missing",
                        f"User-assigned identity {identity.name!r} does not exist in resource group "
                        f"{identity.resource_group_name!r} of subscription {tenant.subscription_id}.",
                        "Deploy the stack (cdktf deploy), or correct name, resource_group_name or the tenant's "
                        "subscription_id in the config.",
                    )
                ],
            )
            return None
        properties = _mapping(document.get("properties"))
        client_id = _text(properties.get("clientId"))
        principal_id = _text(properties.get("principalId")) or None
        self._add(location, title, Status.PASS, f"client_id {client_id}, principal_id {principal_id}")
        return LiveIdentity(f"{arm.base_url}{path}", client_id, principal_id)

    def _read_app_registration(self, identity: Identity, location: str, title: str) -> LiveIdentity | None:
        graph = self.connections.graph(identity.tenant_key)
        name = identity.name.replace("'", "''")
        applications = graph.get_all(
            "/v1.0/applications",
            {"$filter": f"displayName eq '{name}'", "$select": "id,appId,displayName"},
            f"app registrations named {identity.name}",
        ) or []
        if len(applications) != 1:
            found = "does not exist" if not applications else f"matches {len(applications)} app registrations"
            self._add(
                location,
                title,
                Status.FAIL,
                "not found" if not applications else "ambiguous",
                [
                    error(
                        "verify.identity_missing" if not applications else "verify.identity_ambiguous",
                        f"The app registration display name {identity.name!r} {found}.",
                        "Deploy the stack (cdktf deploy), or correct the identity's name in the config."
                        if not applications
                        else "Give the app registration a display name no other application uses.",
                    )
                ],
            )
            return None
        application = applications[0]
        client_id = _text(application.get("appId"))
        principals = graph.get_all(
            "/v1.0/servicePrincipals",
            {"$filter": f"appId eq '{client_id}'", "$select": "id,appId"},
            f"the service principal of {identity.name}",
        ) or []
        principal_id = _text(principals[0].get("id")) if principals else None
        resource_url = f"{graph.base_url}/v1.0/applications/{_text(application.get('id'))}"
        if principal_id is None:
            self._add(
                location,
                title,
                Status.FAIL,
                f"client_id {client_id}, no service principal",
                [
                    error(
                        "verify.service_principal_missing",
                        f"App registration {identity.name!r} (client_id {client_id}) has no service principal, "
                        "so it cannot be granted access to a Key Vault.",
                        "Deploy the stack, which creates the service principal, or create it for the app's client_id.",
                    )
                ],
            )
        else:
            self._add(location, title, Status.PASS, f"client_id {client_id}, principal_id {principal_id}")
        return LiveIdentity(resource_url, client_id, principal_id)

    def _read_credentials(self, identity: Identity, live: LiveIdentity) -> list[LiveCredential]:
        what = f"the federated credentials of {identity.name}"
        if identity.kind is IdentityKind.USER_ASSIGNED_IDENTITY:
            arm = self.connections.arm(identity.tenant_key)
            items = arm.get_all(
                f"{live.resource_url}/federatedIdentityCredentials", {"api-version": ARM_IDENTITY_API_VERSION}, what
            ) or []
            return [
                LiveCredential(
                    _text(item.get("name")),
                    _text(_mapping(item.get("properties")).get("issuer")),
                    _text(_mapping(item.get("properties")).get("subject")),
                    _texts(_mapping(item.get("properties")).get("audiences")),
                )
                for item in items
            ]
        graph = self.connections.graph(identity.tenant_key)
        items = graph.get_all(f"{live.resource_url}/federatedIdentityCredentials", {}, what) or []
        return [
            LiveCredential(
                _text(item.get("name")), _text(item.get("issuer")), _text(item.get("subject")), _texts(item.get("audiences"))
            )
            for item in items
        ]

    def _selected_credentials(self, identity: Identity) -> list[FederatedCredential]:
        environments = set(self.selection.environments(identity))
        return sorted(
            (c for c in identity.credentials if c.environment_key in environments), key=lambda credential: credential.name
        )

    def _compare_credentials(self, identity: Identity, listed: Sequence[LiveCredential], location: str) -> None:
        by_name = {credential.name: credential for credential in listed}
        for expected in self._selected_credentials(identity):
            title = f"federated credential {expected.name}"
            where = f"{location}.{expected.name}"
            live = by_name.get(expected.name)
            if live is None:
                self._add(where, title, Status.FAIL, "missing", [_missing_credential(expected, listed)])
                continue
            findings = _credential_differences(expected, live)
            if findings:
                fields = sorted({dict(f.context)["field"] for f in findings})
                verb = "differs" if len(fields) == 1 else "differ"
                self._add(where, title, Status.FAIL, f"{_join(fields)} {verb}", findings)
            else:
                self._add(where, title, Status.PASS, "issuer, subject and audience match exactly")
        expected_names = {credential.name for credential in identity.credentials}
        for live in sorted(listed, key=lambda credential: credential.name):
            if live.name in expected_names:
                continue
            self._add(
                f"{location}.{live.name}",
                f"federated credential {live.name}",
                Status.WARN,
                "not in the config",
                [
                    warning(
                        "verify.credential_unexpected",
                        f"Federated credential {live.name!r} (issuer {live.issuer!r}, subject {live.subject!r}) "
                        "exists but is not in the config; it counts against the limit of "
                        f"{MAX_CREDENTIALS_PER_IDENTITY}.",
                        "Delete it if nothing uses it any more, or add its environment and certificate to the "
                        "identity in the config.",
                    )
                ],
            )
        missing = sum(1 for credential in identity.credentials if credential.name not in by_name)
        total = len(listed) + missing
        title = f"at most {MAX_CREDENTIALS_PER_IDENTITY} federated credentials"
        detail = f"{len(listed)} present, {missing} still to add"
        if total > MAX_CREDENTIALS_PER_IDENTITY:
            self._add(
                f"{location}",
                title,
                Status.FAIL,
                detail,
                [
                    error(
                        "verify.credential_limit",
                        f"{identity.name} has {len(listed)} federated credentials and needs {missing} more: "
                        f"{total} is above the Entra ID limit of {MAX_CREDENTIALS_PER_IDENTITY}.",
                        "Delete credentials nothing uses (see verify.credential_unexpected), or split the "
                        "environments over a second identity.",
                    )
                ],
            )
        else:
            self._add(location, title, Status.PASS, detail)

    # Key Vaults and grants

    def _verify_vault(self, vault: KeyVault, grants: Sequence[Grant]) -> None:
        location = f"key_vaults.{vault.key}"
        title = f"key vault {vault.name} uses {vault.authorization.value} authorization"
        arm = self.connections.arm(vault.tenant_key)
        try:
            document = arm.get(vault.key_vault_id, {"api-version": ARM_KEY_VAULT_API_VERSION}, f"key vault {vault.name}")
        except ReadFailure as failure:
            self._denied(location, title, failure)
            self._skip_grants(vault, grants, f"key vault {vault.name} could not be read")
            return
        if document is None:
            finding = error(
                "verify.vault_missing",
                f"Key vault {vault.key_vault_id} does not exist.",
                "Correct key_vault_id in the config (copy the vault's Resource ID from its Properties page).",
            )
            self._add(location, title, Status.FAIL, "not found", [finding])
            self._skip_grants(vault, grants, f"key vault {vault.name} was not found")
            return
        properties = _mapping(document.get("properties"))
        live_rbac = properties.get("enableRbacAuthorization") is True
        live_kind = VaultAuthorization.RBAC if live_rbac else VaultAuthorization.ACCESS_POLICY
        if live_kind is not vault.authorization:
            finding = error(
                "verify.vault_authorization_mismatch",
                f"Key vault {vault.name} uses {live_kind.value} authorization; the config grants through "
                f"{vault.authorization.value}, which the vault ignores.",
                f"Set authorization: {live_kind.value} for key_vaults.{vault.key}, or switch the vault's "
                "permission model in Azure (Access configuration) and re-grant.",
            )
            self._add(location, title, Status.FAIL, f"vault uses {live_kind.value}", [finding])
            self._skip_grants(vault, grants, f"the vault uses {live_kind.value} authorization, not {vault.authorization.value}")
            return
        self._add(location, title, Status.PASS, f"enableRbacAuthorization is {str(live_rbac).lower()}")
        for grant in grants:
            where = f"{location}.grants.{grant.identity_key}"
            live = self._live.get(grant.identity_key)
            grant_title = f"identity {grant.identity_key} may read secrets of {vault.name}"
            if live is None or live.principal_id is None:
                self._add(where, grant_title, Status.SKIP, f"the principal_id of identity {grant.identity_key} is unknown")
                continue
            try:
                if vault.authorization is VaultAuthorization.ACCESS_POLICY:
                    self._check_access_policy(vault, grant, live.principal_id, properties, where, grant_title)
                else:
                    self._check_role_assignment(vault, grant, live.principal_id, where, grant_title)
            except ReadFailure as failure:
                self._denied(where, grant_title, failure)

    def _skip_grants(self, vault: KeyVault, grants: Sequence[Grant], why: str) -> None:
        for grant in grants:
            self._add(
                f"key_vaults.{vault.key}.grants.{grant.identity_key}",
                f"identity {grant.identity_key} may read secrets of {vault.name}",
                Status.SKIP,
                why,
            )

    def _check_access_policy(
        self,
        vault: KeyVault,
        grant: Grant,
        principal_id: str,
        properties: Mapping[str, object],
        location: str,
        title: str,
    ) -> None:
        tenant_id = self.config.tenants[vault.tenant_key].tenant_id
        held: dict[str, set[str]] = {"secrets": set(), "keys": set(), "certificates": set()}
        for policy in properties.get("accessPolicies") or []:
            policy = _mapping(policy)
            if _text(policy.get("objectId")).lower() != principal_id.lower():
                continue
            if _text(policy.get("tenantId")).lower() != tenant_id.lower():
                continue
            permissions = _mapping(policy.get("permissions"))
            for kind in held:
                held[kind].update(p.lower() for p in _texts(permissions.get(kind)))
        wanted = {
            "secrets": grant.secret_permissions,
            "keys": grant.key_permissions,
            "certificates": grant.certificate_permissions,
        }
        lacking = [
            f"{kind[:-1]} {permission}"
            for kind, permissions in wanted.items()
            for permission in permissions
            if permission.lower() not in held[kind] and "all" not in held[kind]
        ]
        if not lacking:
            self._add(location, title, Status.PASS, f"access policy for {principal_id} grants {_join(grant.secret_permissions)}")
            return
        finding = error(
            "verify.grant_missing",
            f"No access policy of key vault {vault.name} gives principal {principal_id} (identity "
            f"{grant.identity_key}) {_join(lacking)}.",
            "Deploy the stack, or add an access policy for the identity's principal_id with these permissions.",
        )
        self._add(location, title, Status.FAIL, f"lacks {_join(lacking)}", [finding])

    def _check_role_assignment(
        self, vault: KeyVault, grant: Grant, principal_id: str, location: str, title: str
    ) -> None:
        arm = self.connections.arm(vault.tenant_key)
        accepted = {self._role_definition_id(arm, vault, grant.role_definition_name)} | SECRET_READING_ROLE_IDS
        accepted.discard("")
        assignments = arm.get_all(
            f"{vault.key_vault_id}/providers/Microsoft.Authorization/roleAssignments",
            {"api-version": ARM_AUTHORIZATION_API_VERSION, "$filter": f"principalId eq '{principal_id}'"},
            f"the role assignments of principal {principal_id} on key vault {vault.name}",
        ) or []
        vault_scope = vault.key_vault_id.rstrip("/").lower()
        for assignment in sorted(assignments, key=lambda item: _text(item.get("id"))):
            properties = _mapping(assignment.get("properties"))
            scope = _text(properties.get("scope")).rstrip("/").lower()
            role_id = _text(properties.get("roleDefinitionId")).rstrip("/").rsplit("/", 1)[-1].lower()
            at_or_above = scope == "" or vault_scope == scope or vault_scope.startswith(scope + "/")
            if _text(properties.get("principalId")).lower() == principal_id.lower() and at_or_above and role_id in accepted:
                self._add(location, title, Status.PASS, f"role {role_id} at {_text(properties.get('scope')) or '/'}")
                return
        finding = error(
            "verify.grant_missing",
            f"Principal {principal_id} (identity {grant.identity_key}) has no {grant.role_definition_name!r} role "
            f"assignment, nor a broader one, at the scope of key vault {vault.name} or above.",
            f"Deploy the stack, or assign {grant.role_definition_name!r} to the principal on the vault.",
        )
        self._add(location, title, Status.FAIL, f"no {grant.role_definition_name} assignment", [finding])

    def _role_definition_id(self, arm: ServiceClient, vault: KeyVault, role_name: str) -> str:
        """Built-in ids are known; a custom role is looked up by name at the vault's scope."""
        if role_name in BUILT_IN_ROLE_IDS:
            return BUILT_IN_ROLE_IDS[role_name]
        definitions = arm.get_all(
            f"{vault.key_vault_id}/providers/Microsoft.Authorization/roleDefinitions",
            {"api-version": ARM_AUTHORIZATION_API_VERSION, "$filter": f"roleName eq '{role_name}'"},
            f"the role definition {role_name!r}",
        ) or []
        return _text(definitions[0].get("name")).lower() if definitions else ""

    # Dataverse records and plug-in links

    def _verify_dataverse(self, identity: Identity) -> None:
        bindings = {binding.environment_key: binding for binding in identity.dataverse}
        for environment_key in self.selection.environments(identity):
            environment = self.config.environments[environment_key]
            location = f"identities.{identity.key}.dataverse.{environment_key}"
            title = f"managedidentity record in {environment_key}"
            live = self._live.get(identity.key)
            if environment.url is None:
                self._add(location, title, Status.SKIP, f"environment {environment_key} has no url")
                continue
            if live is None:
                self._add(location, title, Status.SKIP, f"the client_id of identity {identity.key} is unknown")
                continue
            self.progress(f"identity {identity.key}: reading Dataverse {environment.url}")
            dataverse = self.connections.dataverse(environment.url, environment.tenant_key)
            binding = bindings.get(environment_key)
            try:
                record_id = self._check_record(identity, live, dataverse, binding, location, title)
            except ReadFailure as failure:
                self._denied(location, title, failure)
                record_id = None
            if binding is not None:
                self._check_links(dataverse, binding, record_id, location)

    def _check_record(
        self,
        identity: Identity,
        live: LiveIdentity,
        dataverse: ServiceClient,
        binding: DataverseBinding | None,
        location: str,
        title: str,
    ) -> str | None:
        records = dataverse.get_all(
            f"/{DATAVERSE_API}/managedidentities",
            {
                "$filter": f"applicationid eq {live.client_id}",
                "$select": "managedidentityid,applicationid,tenantid,credentialsource,subjectscope,version,name",
            },
            f"the managedidentity records of application {live.client_id}",
        ) or []
        records = sorted(records, key=lambda record: _text(record.get("managedidentityid")))
        if not records:
            finding = error(
                "verify.record_missing",
                f"No managedidentity record has applicationid {live.client_id} (identity {identity.key}).",
                "Deploy the stack with a dataverse binding for this environment, or create the record "
                "(credentialsource 2, subjectscope 1) for this client_id.",
            )
            self._add(location, title, Status.FAIL, "missing", [finding])
            return None
        if binding is not None:
            matching = [r for r in records if _text(r.get("managedidentityid")).lower() == binding.record_id.lower()]
            if not matching:
                others = _join(_text(r.get("managedidentityid")) for r in records)
                finding = error(
                    "verify.record_mismatch",
                    f"The managedidentity record for applicationid {live.client_id} is {others}, "
                    f"not record_id {binding.record_id} from the config.",
                    "Set record_id in the config to the existing record, or delete the stray record and deploy.",
                )
                self._add(location, title, Status.FAIL, "another record id", [finding])
                return None
            record = matching[0]
        else:
            record = records[0]
        record_id = _text(record.get("managedidentityid"))
        tenant_id = self.config.tenants[identity.tenant_key].tenant_id
        findings: list[Finding] = []
        expected_fields = (
            ("credentialsource", CREDENTIAL_SOURCE_MANAGED, record.get("credentialsource")),
            ("subjectscope", SUBJECT_SCOPE_ENVIRONMENT, record.get("subjectscope")),
            ("tenantid", tenant_id, _text(record.get("tenantid")).lower()),
        )
        for name, wanted, actual in expected_fields:
            if actual != wanted:
                findings.append(
                    error(
                        "verify.record_mismatch",
                        f"Record {record_id} has {name} {actual!r}; it must be {wanted!r}.",
                        f"Set {name} to {wanted} on the record (PATCH managedidentities({record_id})), or deploy the stack.",
                    )
                )
        version = record.get("version")
        if version != identity.record_version and not (identity.record_version == 0 and version is None):
            findings.append(
                error(
                    "verify.record_version_mismatch",
                    f"Record {record_id} has version {version!r}; the config says record_version "
                    f"{identity.record_version}, so the platform presents a different credential format than the "
                    "one configured.",
                    f"Make sure the v{identity.record_version} credential exists (this report), then set version "
                    f"{identity.record_version} on the record; or change record_version in the config.",
                )
            )
        if findings:
            self._add(location, title, Status.FAIL, f"record {record_id} differs", findings)
        else:
            self._add(location, title, Status.PASS, f"record {record_id}, version {version}")
        return record_id

    def _check_links(
        self, dataverse: ServiceClient, binding: DataverseBinding, record_id: str | None, location: str
    ) -> None:
        links = [("plugin_assemblies", "pluginassemblies", "plug-in assembly", i) for i in binding.plugin_assemblies]
        links += [("plugin_packages", "pluginpackages", "plug-in package", i) for i in binding.plugin_packages]
        for config_key, entity_set, label, item_id in sorted(links, key=lambda link: (link[0], link[3])):
            where = f"{location}.{config_key}.{item_id}"
            title = f"{label} {item_id} is linked to the record"
            if record_id is None:
                self._add(where, title, Status.SKIP, "the managedidentity record could not be confirmed")
                continue
            try:
                item = dataverse.get(
                    f"/{DATAVERSE_API}/{entity_set}({item_id})",
                    {"$select": "name,_managedidentityid_value"},
                    f"{label} {item_id}",
                )
            except ReadFailure as failure:
                self._denied(where, title, failure)
                continue
            if item is None:
                finding = error(
                    "verify.plugin_missing",
                    f"No {label} has id {item_id} in this environment.",
                    f"Register the {label} first, or correct its id under {config_key} in the config.",
                )
                self._add(where, title, Status.FAIL, "not found", [finding])
                continue
            linked = _text(item.get("_managedidentityid_value")).lower()
            if linked == record_id.lower():
                self._add(where, title, Status.PASS, f"{_text(item.get('name'))} -> {record_id}")
                continue
            finding = error(
                "verify.plugin_not_linked",
                f"{label.capitalize()} {_text(item.get('name'))!r} ({item_id}) is linked to "
                f"{linked or 'no managed identity'}, not to record {record_id}.",
                f"Deploy the stack, or PATCH {entity_set}({item_id}) with "
                f'{{"managedidentityid@odata.bind": "/managedidentities({record_id})"}}.',
            )
            self._add(where, title, Status.FAIL, "not linked", [finding])


def _missing_credential(expected: FederatedCredential, listed: Sequence[LiveCredential]) -> Finding:
    twin = next((c for c in listed if c.issuer == expected.issuer and c.subject == expected.subject), None)
    if twin is not None:
        return error(
            "verify.credential_missing",
            f"No federated credential is named {expected.name!r}; {twin.name!r} carries the same issuer and subject.",
            "Credential names cannot change: import the existing credential into the stack under this name, or "
            "delete it and deploy.",
        )
    return error(
        "verify.credential_missing",
        f"No federated credential is named {expected.name!r} (environment {expected.environment_key}, "
        f"certificate {expected.certificate_key}, format {expected.fic_format.value}). Plug-ins signed with this "
        "certificate fail with AADSTS70021 in this environment.",
        "Deploy the stack (cdktf deploy).",
    )


def _credential_differences(expected: FederatedCredential, live: LiveCredential) -> list[Finding]:
    findings: list[Finding] = []
    if len(live.audiences) != 1:
        findings.append(
            _field_error(
                "verify.credential_mismatch",
                "audience",
                expected,
                f"Credential {expected.name!r} has {len(live.audiences)} audiences {list(live.audiences)!r}; it needs "
                f"exactly one, {expected.audience!r}.",
                _join(live.audiences),
            )
        )
        pairs = (("issuer", expected.issuer, live.issuer), ("subject", expected.subject, live.subject))
    else:
        pairs = (
            ("issuer", expected.issuer, live.issuer),
            ("subject", expected.subject, live.subject),
            ("audience", expected.audience, live.audiences[0]),
        )
    for name, wanted, actual in pairs:
        if actual == wanted:
            continue
        token_error = TOKEN_ERROR_FOR_FIELD[name]
        if actual.strip() == wanted:
            findings.append(
                _field_error(
                    "verify.credential_whitespace",
                    name,
                    expected,
                    f"The {name} of credential {expected.name!r} has white space at its start or end; Entra ID "
                    f"compares it exactly ({token_error}).",
                    actual,
                )
            )
        elif actual.lower() == wanted.lower():
            case_error = "AADSTS7002138" if name == "subject" else token_error
            findings.append(
                _field_error(
                    "verify.credential_case_mismatch",
                    name,
                    expected,
                    f"The {name} of credential {expected.name!r} differs from the config only in upper/lower case "
                    f"({case_error}): {_first_difference(wanted, actual)}.",
                    actual,
                )
            )
        else:
            findings.append(
                _field_error(
                    "verify.credential_mismatch",
                    name,
                    expected,
                    f"The {name} of credential {expected.name!r} differs from the config ({token_error}): "
                    f"{_first_difference(wanted, actual)}.{_explain(name, wanted, actual)}",
                    actual,
                )
            )
    return findings


_DECODED_PARTS: dict[str, tuple[str, ...]] = {
    "issuer": ("fic_formats", "cloud", "tenant_id", "environment_id"),
    "subject": (
        "fic_formats", "cloud", "tenant_id", "environment_id", "match", "sha256", "thumbprint",
        "issuer_hash", "subject_hash", "issuer_cn", "subject_cn",
    ),
}


def _explain(name: str, wanted: str, actual: str) -> str:
    """What the live issuer or subject says, part by part, next to what the config expects."""
    if name not in _DECODED_PARTS:
        return ""
    decode = decode_subject if name == "subject" else decode_issuer
    live, expected = decode(actual), decode(wanted)
    notes = [
        f"{part} is {_shown(getattr(live, part))}, expected {_shown(getattr(expected, part))}"
        for part in _DECODED_PARTS[name]
        if getattr(live, part) != getattr(expected, part)
    ]
    notes += [finding.message for finding in live.findings if finding.is_error][:3]
    return f" Decoded: {'; '.join(notes)}." if notes else ""


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "/".join(_shown(item) for item in value) or "none"
    if isinstance(value, Enum):
        return str(value.value)
    return "none" if value is None else str(value)


def _field_error(code: str, name: str, expected: FederatedCredential, message: str, actual: str) -> Finding:
    wanted = {"issuer": expected.issuer, "subject": expected.subject, "audience": expected.audience}[name]
    finding = error(
        code,
        message,
        f"Deploy the stack, which sets credential {expected.name!r} back to the config, or set its {name} to "
        f"exactly {wanted!r}.",
        value=actual,
    )
    return Finding(
        code=finding.code,
        message=finding.message,
        hint=finding.hint,
        value=finding.value,
        context=(("field", name), ("expected", wanted)),
    )


def _first_difference(expected: str, actual: str) -> str:
    """Where two strings part, with a little context, so a one-character slip is visible."""
    index = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
    start = max(0, index - 12)
    return (
        f"first difference at character {index + 1}: expected ...{expected[start:index + 12]!r}, "
        f"found ...{actual[start:index + 12]!r}"
    )


def _kind_label(kind: IdentityKind) -> str:
    return "user-assigned identity" if kind is IdentityKind.USER_ASSIGNED_IDENTITY else "app registration"


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)
