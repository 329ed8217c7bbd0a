"""Risk rules over a stack view: the changes that break plug-ins or grant more than they need.

Each rule returns ``Risk`` values with a stable ``review.*`` code (docs/errors.md), a severity and
the address of the resource it is about. The command turns them into findings: a risk at or above
``--fail-on`` is an error, the rest are warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from ppmi.review.model import Action, Marker, Value
from ppmi.review.views import CredentialView, DataverseView, GrantView, StackView
from validators.findings import Finding, Severity
from validators.fic import MAX_CREDENTIALS_PER_IDENTITY, FicFormat
from validators.model import KEY_VAULT_SECRETS_USER_ROLE, KEY_VAULT_SECRETS_USER_ROLE_ID, Config

CREDENTIALS_WARNING_THRESHOLD = 18
"""Warn above this many of the 20 credentials an identity can hold: little room for the next environment."""

READ_SECRET_PERMISSIONS = frozenset({"get", "list"})
"""What reading secrets needs (azurerm_key_vault_access_policy ``secret_permissions``)."""

PRIVILEGED_ROLES = frozenset(
    {
        "owner",
        "contributor",
        "user access administrator",
        "role based access control administrator",
        "key vault administrator",
        "key vault contributor",
        "key vault secrets officer",
        "key vault data access administrator",
    }
)
"""Built-in roles that can write secrets or hand out access (learn.microsoft.com/azure/role-based-access-control/built-in-roles)."""


TITLES: dict[str, str] = {
    "review.identity_replaced": "identity replaced: its client_id changes, Dataverse records break",
    "review.identity_deleted": "identity deleted: linked plug-ins lose access",
    "review.credential_changed": "credential issuer, subject or audience changes",
    "review.credential_recreated": "credential deleted and created again",
    "review.credential_deleted": "credential deleted",
    "review.credential_invalid": "credential is not a valid Power Platform value",
    "review.v0_format": "deprecated v0 credential format",
    "review.unknown_environment": "credential for an environment not in the config",
    "review.credentials_over_limit": "more than 20 credentials on one identity",
    "review.credentials_near_limit": "more than 18 of 20 credentials used on one identity",
    "review.broad_secret_permissions": "secret permissions beyond Get and List",
    "review.key_or_certificate_permissions": "key, certificate or storage permissions",
    "review.broad_role": "role broader than Key Vault Secrets User",
    "review.record_version_mismatch": "record version does not match the credential format",
    "review.dataverse_link_removed": "managedidentity record or plug-in link deleted or replaced",
    "review.plugin_record_managed": "plug-in assembly or package managed as a data record",
}
"""One line per risk code, for the summary table."""


class RiskLevel(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


@dataclass(frozen=True)
class Risk:
    code: str
    level: RiskLevel
    stack: str
    address: str
    message: str
    hint: str

    @property
    def title(self) -> str:
        return TITLES[self.code]

    @property
    def location(self) -> str:
        return f"stacks.{self.stack}.{self.address}"

    def to_finding(self, fail_on: RiskLevel | None) -> Finding:
        """An error when the risk is at or above ``fail_on`` (None: never), else a warning."""
        blocking = fail_on is not None and self.level.rank >= fail_on.rank
        return Finding(
            code=self.code,
            message=self.message,
            hint=self.hint,
            location=self.location,
            severity=Severity.ERROR if blocking else Severity.WARNING,
            context=(("address", self.address), ("risk", self.level.value), ("stack", self.stack)),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.level.value,
            "stack": self.stack,
            "address": self.address,
            "title": self.title,
            "message": self.message,
            "hint": self.hint,
        }


def _show(value: Value) -> str:
    return str(value) if isinstance(value, Marker) else repr(value)


def identity_risks(view: StackView, config: Config | None) -> list[Risk]:
    """Replacing or deleting an identity changes or removes its ``client_id``: every Dataverse
    ``managedidentity`` record holding the old one stops working (domain.md section 5)."""
    risks = []
    for identity in view.identities:
        if identity.change.action not in (Action.REPLACE, Action.DELETE):
            continue
        address = identity.change.address
        records = [d.change.address for d in view.dataverse if d.identity == address and d.kind == "record"]
        pointing = f" Records in this plan that point at it: {', '.join(records)}." if records else ""
        if identity.change.action is Action.REPLACE:
            reason = f" (replace because of: {', '.join(identity.change.replace_paths)})" if identity.change.replace_paths else ""
            risks.append(
                Risk(
                    "review.identity_replaced",
                    RiskLevel.HIGH,
                    view.stack.name,
                    address,
                    f"{address} is replaced{reason}: its client_id {_show(identity.change.before_value('client_id'))} is "
                    "replaced by a new one, "
                    "so every Dataverse managedidentity record with the old applicationid breaks, in every environment "
                    f"and every solution that carries it.{pointing}",
                    "Keep the identity: undo the change to its name, resource group or location (they force a new "
                    "resource), or move it in state ('terraform state mv' / a moved block). If the replacement is "
                    "intended, update applicationid on every managedidentity record after apply.",
                )
            )
        else:
            risks.append(
                Risk(
                    "review.identity_deleted",
                    RiskLevel.HIGH,
                    view.stack.name,
                    address,
                    f"{address} is deleted: plug-ins linked to a managedidentity record with its client_id "
                    f"{_show(identity.client_id)} can no longer get tokens.{pointing}",
                    "Unlink the plug-ins and delete the managedidentity records first, or keep the identity "
                    "(prevent_destroy stays on by default in ppmi stacks).",
                )
            )
    return risks


def credential_change_risks(view: StackView, config: Config | None) -> list[Risk]:
    """A credential whose issuer, subject or audience changes, that is recreated, or that goes away."""
    risks = []
    for credential in view.credentials:
        change = credential.change
        if credential.claim_changes:
            described = ", ".join(c.claim for c in credential.claim_changes)
            risks.append(
                Risk(
                    "review.credential_changed",
                    RiskLevel.HIGH,
                    view.stack.name,
                    change.address,
                    f"{change.address} changes its claims ({described}). Plug-ins presenting the old values fail "
                    "(AADSTS700211/700212/700213) until the Dataverse record's version and the signing certificate "
                    "match the new ones.",
                    "Add a new credential next to the old one, switch the managedidentity record's version, verify, "
                    "then remove the old credential in a later apply ('ppmi upgrade' plans this order).",
                )
            )
        elif change.action is Action.REPLACE:
            reason = ", ".join(change.replace_paths) or change.action_reason or "a forced replacement"
            risks.append(
                Risk(
                    "review.credential_recreated",
                    RiskLevel.MEDIUM,
                    view.stack.name,
                    change.address,
                    f"{change.address} is deleted and created again ({reason}) with the same claims: token requests "
                    "fail between the delete and the new credential's propagation (AADSTS70021).",
                    "Undo what forces the replacement (see replace_paths: a renamed credential, names are immutable, "
                    "or a replaced identity); if it is intended, apply while no plug-in needs a token.",
                )
            )
        if change.action is Action.DELETE:
            risks.append(_deleted_credential(view, credential))
    return risks


def _deleted_credential(view: StackView, credential: CredentialView) -> Risk:
    change = credential.change
    environment = credential.parts.environment_id if credential.parts else None
    remaining = [
        c
        for c in view.credentials
        if c is not credential
        and c.change.survives
        and c.identity == credential.identity
        and environment is not None
        and c.parts is not None
        and c.parts.environment_id == environment
    ]
    if environment is not None and credential.identity is not None and not remaining:
        return Risk(
            "review.credential_deleted",
            RiskLevel.HIGH,
            view.stack.name,
            change.address,
            f"{change.address} is deleted and {credential.identity} keeps no credential for environment "
            f"{credential.environment_key or environment}: plug-ins there can no longer get tokens.",
            "Keep the credential until the environment's plug-ins are unlinked from the managedidentity record.",
        )
    return Risk(
        "review.credential_deleted",
        RiskLevel.MEDIUM,
        view.stack.name,
        change.address,
        f"{change.address} is deleted: plug-ins still presenting its issuer and subject fail with AADSTS700213.",
        "Delete a credential only after the managedidentity record's version and the plug-in's signing certificate "
        "have moved to another credential.",
    )


def credential_value_risks(view: StackView, config: Config | None) -> list[Risk]:
    """Credentials that do not decode as a Power Platform value, use v0, or name an unknown environment."""
    risks = []
    for credential in view.credentials:
        if not credential.change.survives or credential.parts is None:
            continue
        address = credential.change.address
        problems = [f"{f.code}: {f.message}" for f in credential.parts.findings if f.is_error]
        hints = [f.hint for f in credential.parts.findings if f.is_error and f.hint]
        if not any(isinstance(a, Marker) for a in credential.audiences) and len(credential.audiences) != 1:
            problems.append(f"it has {len(credential.audiences)} audiences; Power Platform needs exactly one.")
        if problems:
            described = " ".join(problems)
            risks.append(
                Risk(
                    "review.credential_invalid",
                    RiskLevel.HIGH,
                    view.stack.name,
                    address,
                    f"{address} does not carry a valid Power Platform credential. {described}",
                    hints[0] if hints else "Rebuild the issuer and subject with 'ppmi fic' and compare them with 'ppmi decode'.",
                )
            )
        if credential.parts.fic_formats == (FicFormat.V0,):
            risks.append(
                Risk(
                    "review.v0_format",
                    RiskLevel.MEDIUM,
                    view.stack.name,
                    address,
                    f"{address} uses the deprecated v0 format (issuer {_show(credential.issuer)}).",
                    "Move to v2: add the v2 credential, set version 2 on the managedidentity record, verify, then "
                    "remove the v0 credential ('ppmi upgrade').",
                )
            )
        environment_id = credential.parts.environment_id
        if config is not None and environment_id and config.environment_by_id(environment_id) is None:
            risks.append(
                Risk(
                    "review.unknown_environment",
                    RiskLevel.MEDIUM,
                    view.stack.name,
                    address,
                    f"{address} is for environment {environment_id}, which is not in the config.",
                    "Add the environment to 'environments' in the config, or remove the credential if it is left over.",
                )
            )
    return risks


def credential_count_risks(view: StackView, config: Config | None) -> list[Risk]:
    """Entra ID holds at most 20 credentials per identity (domain.md section 3)."""
    risks = []
    for identity in view.identities:
        if not identity.change.survives:
            continue
        count = sum(1 for c in view.credentials if c.identity == identity.change.address and c.change.survives)
        if count > MAX_CREDENTIALS_PER_IDENTITY:
            risks.append(
                Risk(
                    "review.credentials_over_limit",
                    RiskLevel.HIGH,
                    view.stack.name,
                    identity.change.address,
                    f"{identity.change.address} would hold {count} federated credentials; Entra ID allows "
                    f"{MAX_CREDENTIALS_PER_IDENTITY}, so the apply fails.",
                    "Split the environments over two identities, or drop credentials of retired certificates and formats.",
                )
            )
        elif count > CREDENTIALS_WARNING_THRESHOLD:
            risks.append(
                Risk(
                    "review.credentials_near_limit",
                    RiskLevel.MEDIUM,
                    view.stack.name,
                    identity.change.address,
                    f"{identity.change.address} holds {count} of {MAX_CREDENTIALS_PER_IDENTITY} federated credentials: "
                    "a certificate rotation or format upgrade (which doubles credentials for a while) will not fit.",
                    "Plan a second identity for new environments, or drop credentials of retired certificates and formats.",
                )
            )
    return risks


def _names(values: tuple[Value, ...]) -> list[str]:
    return [str(v) for v in values]


def grant_risks(view: StackView, config: Config | None) -> list[Risk]:
    """Plug-ins read secrets: Get (and List) on secrets, or the Key Vault Secrets User role, is enough."""
    risks = []
    for grant in view.grants:
        if not grant.change.survives:
            continue
        risks.extend(_access_policy_risks(view, grant) if grant.kind == "access_policy" else _role_risks(view, grant))
    return risks


def _access_policy_risks(view: StackView, grant: GrantView) -> list[Risk]:
    address = grant.change.address
    risks = []
    extra = [p for p in grant.secret_permissions if not (isinstance(p, str) and p.lower() in READ_SECRET_PERMISSIONS)]
    if extra:
        risks.append(
            Risk(
                "review.broad_secret_permissions",
                RiskLevel.MEDIUM,
                view.stack.name,
                address,
                f"{address} grants secret permissions beyond Get and List: {', '.join(_names(tuple(extra)))}.",
                "Grant secret_permissions [Get], plus List if the plug-in enumerates secrets.",
            )
        )
    other = {
        "key": grant.key_permissions,
        "certificate": grant.certificate_permissions,
        "storage": grant.storage_permissions,
    }
    granted = {kind: values for kind, values in other.items() if values}
    if granted:
        described = "; ".join(f"{kind}: {', '.join(_names(values))}" for kind, values in granted.items())
        risks.append(
            Risk(
                "review.key_or_certificate_permissions",
                RiskLevel.MEDIUM,
                view.stack.name,
                address,
                f"{address} grants permissions on keys, certificates or storage ({described}); plug-ins read secrets only.",
                "Remove key_permissions, certificate_permissions and storage_permissions from the access policy.",
            )
        )
    return risks


def _role_risks(view: StackView, grant: GrantView) -> list[Risk]:
    address = grant.change.address
    name, definition = grant.role, grant.role_definition_id
    if isinstance(name, str):
        if name == KEY_VAULT_SECRETS_USER_ROLE:
            return []
        role = name
    elif isinstance(definition, str):
        if definition.lower().rstrip("/").endswith(KEY_VAULT_SECRETS_USER_ROLE_ID):
            return []
        role = definition
    else:
        return []
    level = RiskLevel.HIGH if role.lower() in PRIVILEGED_ROLES or not isinstance(name, str) else RiskLevel.MEDIUM
    return [
        Risk(
            "review.broad_role",
            level,
            view.stack.name,
            address,
            f"{address} assigns {role!r} instead of {KEY_VAULT_SECRETS_USER_ROLE!r} "
            f"({KEY_VAULT_SECRETS_USER_ROLE_ID}) at scope {_show(grant.target)}.",
            f"Assign {KEY_VAULT_SECRETS_USER_ROLE!r} at the vault's scope: it reads secret contents and nothing more.",
        )
    ]


def record_version_risks(view: StackView, config: Config | None) -> list[Risk]:
    """The record's ``version`` selects the format the platform presents; the identity needs a
    credential in that format for the record's environment (domain.md sections 2 and 4)."""
    risks = []
    for record in view.dataverse:
        if record.kind != "record" or not record.change.survives or record.identity is None:
            continue
        risk = _record_risk(view, record)
        if risk is not None:
            risks.append(risk)
    return risks


def _record_risk(view: StackView, record: DataverseView) -> Risk | None:
    version = record.version
    if isinstance(version, Marker) or isinstance(record.environment_id, Marker):
        return None
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if version is not None and version not in (0, 1, 2):
        expected = None
    else:
        expected = FicFormat.from_record_version(version if isinstance(version, int) else None)
    credentials = [
        c for c in view.credentials if c.identity == record.identity and c.change.survives and c.parts is not None
    ]
    if not credentials:
        return None
    environment_id = record.environment_id.lower() if isinstance(record.environment_id, str) else None
    for_environment = [c for c in credentials if c.parts is not None and c.parts.environment_id == environment_id]
    if expected is not None and any(c.parts is not None and c.parts.presents(expected) for c in for_environment):
        return None
    formats = sorted({c.parts.format_label for c in for_environment if c.parts is not None and c.parts.format_label})
    environment = record.environment_key or record.environment_id
    found = f"its credentials for that environment use {', '.join(formats)}" if formats else "it has no credential for that environment"
    return Risk(
        "review.record_version_mismatch",
        RiskLevel.HIGH,
        view.stack.name,
        record.change.address,
        f"{record.change.address} sets version {_show(record.version)} for environment {environment}, so the platform "
        f"presents the {expected.value if expected else 'unknown'} format, but {found} on {record.identity}: "
        "token requests fail with AADSTS700213.",
        "Set the record's version to the format of the identity's credential (1 for v1, 2 for v2), or add a "
        "credential in the record's format first.",
    )


PLUGIN_TABLES = ("pluginassembly", "pluginassemblies", "pluginpackage", "pluginpackages")


def dataverse_risks(view: StackView, config: Config | None) -> list[Risk]:
    """Removing a record or link unlinks plug-ins; a plug-in table under ``powerplatform_data_record``
    deletes the assembly when the resource is destroyed (domain.md section 4)."""
    risks = []
    for item in view.dataverse:
        address = item.change.address
        if item.kind in ("record", "link") and item.change.action in (Action.DELETE, Action.REPLACE):
            what = "the managedidentity record" if item.kind == "record" else "the plug-in link"
            risks.append(
                Risk(
                    "review.dataverse_link_removed",
                    RiskLevel.MEDIUM,
                    view.stack.name,
                    address,
                    f"{address} ({what}) is {'deleted' if item.change.action is Action.DELETE else 'replaced'}: "
                    "plug-ins linked through it have no managed identity until it is linked again.",
                    "Keep the record and its links while plug-ins use them; if the change is intended, check after "
                    "apply that every plug-in assembly or package is linked ('ppmi verify').",
                )
            )
        table = item.table.lower() if isinstance(item.table, str) else ""
        if item.kind == "other_record" and table in PLUGIN_TABLES and item.change.survives:
            risks.append(
                Risk(
                    "review.plugin_record_managed",
                    RiskLevel.HIGH,
                    view.stack.name,
                    address,
                    f"{address} manages a {table} row as a powerplatform_data_record: destroying or replacing the "
                    "resource deletes the plug-in itself.",
                    "Link plug-ins with powerplatform_rest (PATCH managedidentityid@odata.bind), as ppmi stacks do; "
                    "remove this resource from state with 'terraform state rm' instead of destroying it.",
                )
            )
    return risks


RULES: tuple[Callable[[StackView, Config | None], list[Risk]], ...] = (
    identity_risks,
    credential_change_risks,
    credential_value_risks,
    credential_count_risks,
    grant_risks,
    record_version_risks,
    dataverse_risks,
)


def assess(view: StackView, config: Config | None = None) -> list[Risk]:
    """Every risk in a stack, ordered by severity (highest first), then address and code."""
    risks = [risk for rule in RULES for risk in rule(view, config)]
    return sorted(risks, key=lambda r: (-r.level.rank, r.stack, r.address, r.code))
