"""What a reviewer wants to see in a stack: identities, their federated credentials, Key Vault
grants and Dataverse records, each tied to the identity it belongs to.

Ties come from the expressions (``user_assigned_identity_id = azurerm_user_assigned_identity.reader.id``)
or, for resources that already exist, from equal values (the credential's parent ID equals the
identity's ``id``). Resource types and attribute names are the providers' (domain.md sections 4-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ppmi.review.decoding import CredentialParts, decode_credential
from ppmi.review.model import Action, Marker, ResourceChange, Stack, Value
from validators.model import Config

IDENTITY_TYPES: dict[str, str] = {
    "azurerm_user_assigned_identity": "user_assigned_identity",
    "azuread_application_registration": "app_registration",
    "azuread_application": "app_registration",
}
CREDENTIAL_TYPES = ("azurerm_federated_identity_credential", "azuread_application_federated_identity_credential")
CREDENTIAL_PARENT_ATTRIBUTES = ("user_assigned_identity_id", "parent_id", "application_id", "application_object_id")
SERVICE_PRINCIPAL_TYPE = "azuread_service_principal"
ACCESS_POLICY_TYPE = "azurerm_key_vault_access_policy"
ROLE_ASSIGNMENT_TYPE = "azurerm_role_assignment"
DATA_RECORD_TYPE = "powerplatform_data_record"
REST_TYPE = "powerplatform_rest"
MANAGED_IDENTITY_TABLES = ("managedidentity", "managedidentities")
CLAIMS = ("issuer", "subject", "audience")


@dataclass(frozen=True)
class ClaimChange:
    """A federated credential claim that an update or replacement changes."""

    claim: str
    before: Value
    after: Value


@dataclass(frozen=True)
class IdentityView:
    change: ResourceChange
    kind: str
    name: Value
    client_id: Value


@dataclass(frozen=True)
class CredentialView:
    change: ResourceChange
    identity: str | None
    """Address of the identity the credential sits on, when it can be told."""
    name: Value
    issuer: Value
    subject: Value
    audiences: tuple[Value, ...]
    parts: CredentialParts | None
    """Decoded issuer and subject; None while either is unknown or sensitive."""
    claim_changes: tuple[ClaimChange, ...] = ()
    environment_key: str | None = None
    certificate_key: str | None = None
    config_identity_key: str | None = None


@dataclass(frozen=True)
class GrantView:
    change: ResourceChange
    kind: str
    """``access_policy`` or ``role_assignment``."""
    identity: str | None
    target: Value
    """The vault ID of an access policy, the scope of a role assignment."""
    secret_permissions: tuple[Value, ...] = ()
    key_permissions: tuple[Value, ...] = ()
    certificate_permissions: tuple[Value, ...] = ()
    storage_permissions: tuple[Value, ...] = ()
    role: Value = None
    role_definition_id: Value = None


@dataclass(frozen=True)
class DataverseView:
    change: ResourceChange
    kind: str
    """``record`` (a managedidentity row), ``link`` (powerplatform_rest) or ``other_record``."""
    identity: str | None
    environment_id: Value
    table: Value = None
    version: Value = None
    application_id: Value = None
    environment_key: str | None = None
    description: Value = None


@dataclass(frozen=True)
class StackView:
    stack: Stack
    identities: tuple[IdentityView, ...]
    credentials: tuple[CredentialView, ...]
    grants: tuple[GrantView, ...]
    dataverse: tuple[DataverseView, ...]
    others: tuple[ResourceChange, ...]


def build_view(stack: Stack, config: Config | None = None) -> StackView:
    identities = [_identity(c) for c in stack.changes if c.type in IDENTITY_TYPES]
    principals = _principal_holders(stack, identities)
    credentials = [_credential(c, identities, config) for c in stack.of_type(*CREDENTIAL_TYPES)]
    grants = [_grant(c, principals) for c in stack.of_type(ACCESS_POLICY_TYPE, ROLE_ASSIGNMENT_TYPE)]
    records = [_dataverse(c, identities, config) for c in stack.of_type(DATA_RECORD_TYPE)]
    links = [_link(c, records, config) for c in stack.of_type(REST_TYPE)]
    dataverse = sorted(records + links, key=lambda d: d.change.address)
    shown = {i.change.address for i in identities} | {c.change.address for c in credentials}
    shown |= {g.change.address for g in grants} | {d.change.address for d in dataverse}
    shown |= {c.address for c in stack.of_type(SERVICE_PRINCIPAL_TYPE)}
    others = tuple(c for c in stack.changes if c.address not in shown)
    return StackView(stack, tuple(identities), tuple(credentials), tuple(grants), tuple(dataverse), others)


def _identity(change: ResourceChange) -> IdentityView:
    kind = IDENTITY_TYPES[change.type]
    name = change.value("name") if kind == "user_assigned_identity" else change.value("display_name")
    client_id = change.value("client_id")
    if client_id is None and change.action is Action.CREATE:
        client_id = Marker.UNKNOWN
    return IdentityView(change=change, kind=kind, name=name, client_id=client_id)


def _same(left: Value, right: Value) -> bool:
    """Azure resource IDs and GUIDs compare case-insensitively; unknown values never match."""
    return isinstance(left, str) and isinstance(right, str) and left.casefold() == right.casefold()


def _points_at(source: ResourceChange, attributes: Iterable[str], target: ResourceChange, target_attribute: str) -> bool:
    for attribute in attributes:
        if source.refers_to(attribute, target.config_address):
            return True
        for value in (source.value(attribute), source.before_value(attribute)):
            if _same(value, target.value(target_attribute)) or _same(value, target.before_value(target_attribute)):
                return True
    return False


def _first(identities: list[IdentityView], matches: Iterable[bool]) -> str | None:
    for identity, match in zip(identities, matches, strict=True):
        if match:
            return identity.change.address
    return None


def _principal_holders(stack: Stack, identities: list[IdentityView]) -> list[tuple[str, ResourceChange, str]]:
    """(identity address, resource, attribute) triples that carry an identity's object ID: the
    UAMI's ``principal_id``, or the ``object_id`` of an app registration's service principal."""
    holders: list[tuple[str, ResourceChange, str]] = []
    for identity in identities:
        if identity.kind == "user_assigned_identity":
            holders.append((identity.change.address, identity.change, "principal_id"))
    for principal in stack.of_type(SERVICE_PRINCIPAL_TYPE):
        for identity in identities:
            if identity.kind == "app_registration" and _points_at(principal, ("client_id",), identity.change, "client_id"):
                holders.append((identity.change.address, principal, "object_id"))
    return holders


def _holder_of(change: ResourceChange, attribute: str, holders: list[tuple[str, ResourceChange, str]]) -> str | None:
    for identity_address, holder, holder_attribute in holders:
        if _points_at(change, (attribute,), holder, holder_attribute):
            return identity_address
    return None


def _list(value: Value) -> tuple[Value, ...]:
    if isinstance(value, list):
        return tuple(value)
    return () if value is None else (value,)


def _credential(change: ResourceChange, identities: list[IdentityView], config: Config | None) -> CredentialView:
    identity = _first(
        identities,
        (_points_at(change, CREDENTIAL_PARENT_ATTRIBUTES, i.change, "id") for i in identities),
    )
    audience_attribute = "audience" if change.type == "azurerm_federated_identity_credential" else "audiences"
    name = change.value("name") if change.type == "azurerm_federated_identity_credential" else change.value("display_name")
    audiences = _list(change.value(audience_attribute))
    issuer, subject = change.value("issuer"), change.value("subject")
    parts = None
    if isinstance(issuer, str) and isinstance(subject, str):
        audience = audiences[0] if len(audiences) == 1 and isinstance(audiences[0], str) else None
        parts = decode_credential(issuer, subject, audience)
    claim_changes: tuple[ClaimChange, ...] = ()
    if change.action in (Action.UPDATE, Action.REPLACE):
        claim_changes = tuple(
            ClaimChange(claim, _claim_value(change.before_value(attribute)), _claim_value(change.value(attribute)))
            for claim, attribute in zip(CLAIMS, ("issuer", "subject", audience_attribute), strict=True)
            if attribute in change.changed
        )
    environment_key = certificate_key = config_identity_key = None
    if config is not None:
        for config_identity in config.identities.values():
            for configured in config_identity.credentials:
                if configured.issuer == issuer and configured.subject == subject:
                    environment_key, certificate_key = configured.environment_key, configured.certificate_key
                    config_identity_key = config_identity.key
        if environment_key is None and parts is not None and parts.environment_id:
            environment = config.environment_by_id(parts.environment_id)
            environment_key = environment.key if environment else None
    return CredentialView(
        change=change,
        identity=identity,
        name=name,
        issuer=issuer,
        subject=subject,
        audiences=audiences,
        parts=parts,
        claim_changes=claim_changes,
        environment_key=environment_key,
        certificate_key=certificate_key,
        config_identity_key=config_identity_key,
    )


def _claim_value(value: Value) -> Value:
    """An audience list of one is shown as its single value."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _grant(change: ResourceChange, holders: list[tuple[str, ResourceChange, str]]) -> GrantView:
    if change.type == ACCESS_POLICY_TYPE:
        return GrantView(
            change=change,
            kind="access_policy",
            identity=_holder_of(change, "object_id", holders),
            target=change.value("key_vault_id"),
            secret_permissions=_list(change.value("secret_permissions")),
            key_permissions=_list(change.value("key_permissions")),
            certificate_permissions=_list(change.value("certificate_permissions")),
            storage_permissions=_list(change.value("storage_permissions")),
        )
    return GrantView(
        change=change,
        kind="role_assignment",
        identity=_holder_of(change, "principal_id", holders),
        target=change.value("scope"),
        role=change.value("role_definition_name"),
        role_definition_id=change.value("role_definition_id"),
    )


def _environment_key(environment_id: Value, config: Config | None) -> str | None:
    if config is None or not isinstance(environment_id, str):
        return None
    environment = config.environment_by_id(environment_id.lower())
    return environment.key if environment else None


def _link(change: ResourceChange, records: list[DataverseView], config: Config | None) -> DataverseView:
    """A ``powerplatform_rest`` call; it belongs to the record whose ``managedidentityid`` it binds."""
    create = change.value("create")
    text = " ".join(str(v) for v in create.values()) if isinstance(create, dict) else ""
    identity, environment_id, environment_key = None, None, None
    for record in records:
        record_id = record.change.value("columns")
        record_id = record_id.get("managedidentityid") if isinstance(record_id, dict) else None
        if isinstance(record_id, str) and record_id.lower() in text.lower():
            identity, environment_id, environment_key = record.identity, record.environment_id, record.environment_key
    return DataverseView(
        change=change,
        kind="link",
        identity=identity,
        environment_id=environment_id,
        environment_key=environment_key,
        description=_rest_description(create),
    )


def _dataverse(change: ResourceChange, identities: list[IdentityView], config: Config | None) -> DataverseView:
    environment_id = change.value("environment_id")
    table = change.value("table_logical_name")
    raw_columns = change.value("columns")
    columns: dict[str, Value] = raw_columns if isinstance(raw_columns, dict) else {}
    if isinstance(raw_columns, Marker):
        columns = {"applicationid": raw_columns, "version": raw_columns}
    application_id = columns.get("applicationid")
    identity = _first(
        identities,
        (
            change.refers_to("columns", i.change.config_address)
            or _same(application_id, i.change.value("client_id"))
            or _same(application_id, i.change.before_value("client_id"))
            for i in identities
        ),
    )
    is_record = isinstance(table, str) and table.lower() in MANAGED_IDENTITY_TABLES
    return DataverseView(
        change=change,
        kind="record" if is_record else "other_record",
        identity=identity,
        environment_id=environment_id,
        table=table,
        version=columns.get("version") if is_record else None,
        application_id=application_id,
        environment_key=_environment_key(environment_id, config),
    )


def _rest_description(operation: Value) -> Value:
    """``PATCH .../pluginassemblies(...)``: the method and URL of the create operation."""
    if isinstance(operation, list) and len(operation) == 1:
        operation = operation[0]
    if not isinstance(operation, dict):
        return operation if isinstance(operation, Marker) else None
    method, url = operation.get("method"), operation.get("url")
    return " ".join(str(part) for part in (method, url) if part is not None) or None
