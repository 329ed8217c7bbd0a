"""Every review risk code: one plan that raises it and one that does not.

Plans are built in Terraform's documented JSON plan format (resource_changes[].change with actions,
before, after, after_unknown, *_sensitive, replace_paths) and read by the same reader as real plans.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppmi.review.readers import read_plan
from ppmi.review.rules import RiskLevel, assess
from ppmi.review.views import build_view
from validators.config import load_config
from validators.tenant import encode_guid

REPO = Path(__file__).resolve().parents[1]
TENANT = "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9"
PROD = "92e1c10d-0b34-e28b-a4a8-7e3630f46a06"
TEST = "3b7c2a9e-5d41-4f6a-9c83-1e2f4a5b6c7d"
UNLISTED = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d"
HASH = "44f8f72602956c583c25c88f3807022770201bc3e53232a492d69d515617cef0"
ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID = "0d3c9a51-8f1e-4c2b-9e7a-5b6c7d8e9f01"
PRINCIPAL_ID = "7e2b1c40-3d5f-4a6b-8c9d-0e1f2a3b4c5d"
UAMI_ID = (
    "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-ppmi/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/id-reader"
)
VAULT_ID = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
IDENTITY = "azurerm_user_assigned_identity.reader"


def subject(environment_id: str, certificate: str = f"h/{HASH}") -> str:
    return f"/eid1/c/pub/t/{encode_guid(TENANT)}/a/qzXoWDkuqUa3l6zM5mM0Rw/n/plugin/e/{environment_id}/{certificate}"


V0_ISSUER = "https://92e1c10d0b34e28ba4a87e3630f46a.06.environment.api.powerplatform.com/sts"
V0_SUBJECT = f"component:pluginassembly,thumbprint:A1B2C3D4E5F60718293A4B5C6D7E8F9012345678,environment:{PROD}"
V1_CN_SUBJECT = subject(PROD, "i/Contoso Issuing CA/s/Contoso Plugins")


def change(address: str, actions: list[str], before: dict | None, after: dict | None, **extra: object) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".")[0],
        "name": address.split(".")[1],
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": extra.pop("after_unknown", {}),
            "before_sensitive": {} if before is not None else False,
            "after_sensitive": {} if after is not None else False,
            **({"replace_paths": extra.pop("replace_paths")} if "replace_paths" in extra else {}),
        },
        **extra,
    }


def identity(actions: tuple[str, ...] = ("no-op",), replace_paths: list | None = None, **after: object) -> dict:
    values = {"client_id": CLIENT_ID, "id": UAMI_ID, "name": "id-reader", "principal_id": PRINCIPAL_ID, "location": "westeurope"}
    extra = {"replace_paths": replace_paths} if replace_paths else {}
    return change(IDENTITY, list(actions), values, {**values, **after}, **extra)


def credential(
    name: str,
    actions: tuple[str, ...] = ("no-op",),
    environment_id: str = PROD,
    before: dict | None = None,
    **after: object,
) -> dict:
    values = {
        "name": name,
        "issuer": ISSUER,
        "subject": subject(environment_id),
        "audience": [AUDIENCE],
        "user_assigned_identity_id": UAMI_ID,
    }
    return change(
        f"azurerm_federated_identity_credential.{name}",
        list(actions),
        None if list(actions) == ["create"] else {**values, **(before or {})},
        None if list(actions) == ["delete"] else {**values, **after},
    )


def access_policy(**after: object) -> dict:
    values = {"key_vault_id": VAULT_ID, "object_id": PRINCIPAL_ID, "tenant_id": TENANT, "secret_permissions": ["Get"]}
    return change("azurerm_key_vault_access_policy.reader", ["create"], None, {**values, **after})


def role(**after: object) -> dict:
    values = {"scope": VAULT_ID, "principal_id": PRINCIPAL_ID, "role_definition_name": "Key Vault Secrets User"}
    return change("azurerm_role_assignment.reader", ["create"], None, {**values, **after})


def record(version: int | None, environment_id: str = PROD) -> dict:
    columns = {"applicationid": CLIENT_ID, "credentialsource": 2, "subjectscope": 1, "tenantid": TENANT, "version": version}
    values = {"environment_id": environment_id, "table_logical_name": "managedidentity", "columns": columns}
    return change("powerplatform_data_record.reader_prod", ["no-op"], values, values)


def link(actions: list[str]) -> dict:
    values = {
        "create": {
            "method": "PATCH",
            "url": "https://contoso.crm.dynamics.com/api/data/v9.2/pluginassemblies(d3f1a2b4-c5d6-47e8-9f0a-1b2c3d4e5f60)",
            "body": '{"managedidentityid@odata.bind": "/managedidentities(6b1e1f3a-4c2d-4e5f-8a9b-0c1d2e3f4a5b)"}',
        }
    }
    return change("powerplatform_rest.link", actions, values, None if actions == ["delete"] else values)


def plugin_row(table: str) -> dict:
    values = {"environment_id": PROD, "table_logical_name": table, "columns": {"name": "Contoso.Plugins"}}
    return change("powerplatform_data_record.assembly", ["create"], None, values)


def codes(*changes: dict, with_config: bool = False) -> dict[str, str]:
    document = {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(changes)}
    result = read_plan(document, "contoso", "plan.json")
    assert not result.findings
    config = load_config(REPO / "examples" / "ppmi.yaml").config if with_config else None
    if with_config:
        assert config is not None
    view = build_view(result.stacks[0], config)
    return {risk.code: risk.level.value for risk in assess(view, config)}


def many_credentials(count: int) -> list[dict]:
    return [credential(f"c{i:02d}", environment_id=f"{i:08d}-0000-4000-8000-000000000000") for i in range(count)]


CASES = [
    # code, severity, failing plan, passing plan
    ("review.identity_replaced", "high", [identity(["delete", "create"], name="id-renamed")], [identity(["update"], tags={"a": "b"})]),
    ("review.identity_replaced", "high", [identity(["create", "delete"])], [identity()]),
    ("review.identity_deleted", "high", [change(IDENTITY, ["delete"], {"client_id": CLIENT_ID, "id": UAMI_ID}, None)], [identity()]),
    (
        "review.credential_changed",
        "high",
        [identity(), credential("prod", ["update"], subject=V1_CN_SUBJECT)],
        [identity(), credential("prod", ["update"], before={"timeouts": None}, timeouts={"create": "5m"})],
    ),
    (
        "review.credential_changed",
        "high",
        [identity(), credential("prod", ["update"], audience=["api://AzureADTokenExchangeUSGov"])],
        [identity(), credential("prod")],
    ),
    (
        "review.credential_recreated",
        "medium",
        [identity(), credential("prod", ["delete", "create"], before={"name": "prod-old"})],
        [identity(), credential("prod", ["create"])],
    ),
    ("review.credential_deleted", "high", [identity(), credential("prod", ["delete"])], [identity(), credential("prod")]),
    (
        "review.credential_deleted",
        "medium",
        [identity(), credential("prod", ["delete"]), credential("prod2", subject=subject(PROD, "h/" + "0" * 64))],
        [identity(), credential("prod", ["create"]), credential("prod2")],
    ),
    (
        "review.credential_invalid",
        "high",
        [identity(), credential("prod", ["create"], subject=subject(PROD, "h/" + HASH.upper()))],
        [identity(), credential("prod", ["create"])],
    ),
    (
        "review.credential_invalid",
        "high",
        [identity(), credential("prod", ["create"], audience=[AUDIENCE, AUDIENCE + "USGov"])],
        [identity(), credential("prod", ["create"], audience=[AUDIENCE])],
    ),
    (
        "review.credential_invalid",
        "high",
        [identity(), credential("prod", ["create"], issuer=ISSUER.replace(TENANT, "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"))],
        [identity(), credential("prod", ["create"], issuer=ISSUER)],
    ),
    (
        "review.v0_format",
        "medium",
        [identity(), credential("prod", ["create"], issuer=V0_ISSUER, subject=V0_SUBJECT)],
        [identity(), credential("prod", ["create"])],
    ),
    ("review.credentials_near_limit", "medium", [identity(), *many_credentials(19)], [identity(), *many_credentials(18)]),
    ("review.credentials_over_limit", "high", [identity(), *many_credentials(21)], [identity(), *many_credentials(20)]),
    (
        "review.broad_secret_permissions",
        "medium",
        [identity(), access_policy(secret_permissions=["Get", "List", "Set"])],
        [identity(), access_policy(secret_permissions=["Get", "List"])],
    ),
    (
        "review.key_or_certificate_permissions",
        "medium",
        [identity(), access_policy(key_permissions=["Get"])],
        [identity(), access_policy(key_permissions=[], certificate_permissions=None)],
    ),
    (
        "review.key_or_certificate_permissions",
        "medium",
        [identity(), access_policy(certificate_permissions=["List"])],
        [identity(), access_policy()],
    ),
    (
        "review.broad_role",
        "high",
        [identity(), role(role_definition_name="Key Vault Administrator")],
        [identity(), role()],
    ),
    (
        "review.broad_role",
        "medium",
        [identity(), role(role_definition_name="Key Vault Reader")],
        [
            identity(),
            role(
                role_definition_name=None,
                role_definition_id="/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/providers/"
                "Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            ),
        ],
    ),
    ("review.dataverse_link_removed", "medium", [identity(), link(["delete"])], [identity(), link(["no-op"])]),
    ("review.dataverse_link_removed", "medium", [identity(), link(["delete", "create"])], [identity(), link(["create"])]),
    (
        "review.dataverse_link_removed",
        "medium",
        [identity(), credential("prod"), change("powerplatform_data_record.reader_prod", ["delete"], record(2)["change"]["before"], None)],
        [identity(), credential("prod"), record(2)],
    ),
    ("review.plugin_record_managed", "high", [plugin_row("pluginassembly")], [plugin_row("account")]),
    (
        "review.record_version_mismatch",
        "high",
        [identity(), credential("prod", subject=V1_CN_SUBJECT), record(2)],
        [identity(), credential("prod"), record(1)],
    ),
    (
        "review.record_version_mismatch",
        "high",
        [identity(), credential("prod", issuer=V0_ISSUER, subject=V0_SUBJECT), record(2)],
        [identity(), credential("prod", issuer=V0_ISSUER, subject=V0_SUBJECT), record(None)],
    ),
    (
        "review.record_version_mismatch",
        "high",
        [identity(), credential("test", environment_id=TEST), record(2)],
        [identity(), credential("test", environment_id=TEST), record(2, environment_id=TEST)],
    ),
]


@pytest.mark.parametrize(("code", "severity", "failing", "passing"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_raises_on_failing_plan_and_not_on_passing_plan(code: str, severity: str, failing: list, passing: list) -> None:
    assert codes(*failing).get(code) == severity
    assert code not in codes(*passing)


def test_rejects_credential_for_environment_missing_from_config() -> None:
    failing = codes(identity(), credential("other", environment_id=UNLISTED), with_config=True)
    assert failing.get("review.unknown_environment") == "medium"
    assert "review.unknown_environment" not in codes(identity(), credential("prod"), with_config=True)
    assert "review.unknown_environment" not in codes(identity(), credential("other", environment_id=UNLISTED))


def test_clean_plan_has_no_risks() -> None:
    assert codes(identity(), credential("prod"), credential("test", environment_id=TEST), access_policy(), role(), record(2)) == {}


def test_risk_becomes_error_at_or_above_fail_on_and_warning_below() -> None:
    document = {"format_version": "1.2", "resource_changes": [identity(), access_policy(key_permissions=["Get"])]}
    (risk,) = assess(build_view(read_plan(document, "s", "p").stacks[0]))
    assert risk.level is RiskLevel.MEDIUM
    assert risk.to_finding(RiskLevel.MEDIUM).is_error
    assert not risk.to_finding(RiskLevel.HIGH).is_error
    assert not risk.to_finding(None).is_error
    finding = risk.to_finding(RiskLevel.HIGH)
    assert finding.location == "stacks.s.azurerm_key_vault_access_policy.reader"
    assert dict(finding.context)["address"] == "azurerm_key_vault_access_policy.reader"


def test_identity_replaced_names_the_records_that_point_at_it() -> None:
    document = {
        "format_version": "1.2",
        "resource_changes": [identity(["delete", "create"], replace_paths=[["name"]]), record(2)],
    }
    (risk,) = [r for r in assess(build_view(read_plan(document, "s", "p").stacks[0])) if r.code == "review.identity_replaced"]
    assert "powerplatform_data_record.reader_prod" in risk.message
    assert CLIENT_ID in risk.message
    assert "replace because of: name" in risk.message
