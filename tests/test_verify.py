"""``ppmi verify`` against local HTTPS stand-ins for Entra ID, ARM, Graph and Dataverse.

A real azure-identity ``WorkloadIdentityCredential`` gets its tokens from the local authority; every
read goes through the real azure-core pipeline. Each test starts from a live state that matches the
config and changes one thing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from ppmi import exit_codes
from ppmi.verify.checks import KEY_VAULT_SECRETS_OFFICER_ROLE_ID, Selection, Status, Verifier
from ppmi.verify.clients import Connections, EndpointOverrides, EnvironmentFailure, HttpOptions
from ppmi.verify.report import Report
from tests.verify_server import Fault, FakeServices
from validators.clouds import CLOUDS
from validators.fic import CertificateIdentity, CertificateMatch, FicFormat, build_fic
from validators.model import (
    KEY_VAULT_SECRETS_USER_ROLE_ID,
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

TENANT_ID = "5f8a1a9f-2e1a-415f-b10c-84c3736a21b9"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-0000000000aa"
PROD_ID = "92e1c10d-0b34-e28b-a4a8-7e3630f46a06"
TEST_ID = "0c0e2b61-7a54-4f1b-9f0e-2f4c1c9b8a11"
READER_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
READER_PRINCIPAL_ID = "66666666-7777-8888-9999-000000000000"
APP_OBJECT_ID = "aaaaaaaa-0000-0000-0000-000000000001"
APP_CLIENT_ID = "aaaaaaaa-0000-0000-0000-000000000002"
APP_PRINCIPAL_ID = "aaaaaaaa-0000-0000-0000-000000000003"
RECORD_ID = "6b1e1f3a-0000-4000-8000-000000000001"
ASSEMBLY_ID = "a55e3b1e-0000-4000-8000-000000000001"
PACKAGE_ID = "9ac4a6e0-0000-4000-8000-000000000001"
CERTIFICATE = CertificateIdentity(match=CertificateMatch.HASH, sha256="3f" * 32)
IDENTITY_PATH = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ppmi/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/id-ppmi-reader"
)
RBAC_VAULT_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-shared"
POLICY_VAULT_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-legacy"
FAST = HttpOptions(timeout=5.0, retries=2, retry_backoff=0.001, retry_backoff_max=0.01)


def credential(environment: str, environment_id: str) -> FederatedCredential:
    strings = build_fic(FicFormat.V2, "public", TENANT_ID, environment_id, CERTIFICATE)
    return FederatedCredential(
        name=f"{environment}-plugins",
        environment_key=environment,
        certificate_key="plugins",
        fic_format=FicFormat.V2,
        issuer=strings.issuer,
        subject=strings.subject,
        audience=strings.audience,
    )


PROD_CREDENTIAL = credential("prod", PROD_ID)
TEST_CREDENTIAL = credential("test", TEST_ID)


def make_config(dataverse_url: str) -> Config:
    tenant = Tenant("contoso", TENANT_ID, CLOUDS["public"], SUBSCRIPTION_ID, LocalBackend("terraform.tfstate"))
    reader = Identity(
        key="reader",
        tenant_key="contoso",
        kind=IdentityKind.USER_ASSIGNED_IDENTITY,
        name="id-ppmi-reader",
        resource_group_name="rg-ppmi",
        location="westeurope",
        fic_formats=(FicFormat.V2,),
        record_version=2,
        environment_keys=("prod", "test"),
        certificate_keys=("plugins",),
        credentials=(PROD_CREDENTIAL, TEST_CREDENTIAL),
        dataverse=(DataverseBinding("prod", RECORD_ID, (ASSEMBLY_ID,), (PACKAGE_ID,)),),
    )
    app = Identity(
        key="app",
        tenant_key="contoso",
        kind=IdentityKind.APP_REGISTRATION,
        name="ppmi-app",
        resource_group_name=None,
        location=None,
        fic_formats=(FicFormat.V2,),
        record_version=2,
        environment_keys=("test",),
        certificate_keys=("plugins",),
        credentials=(TEST_CREDENTIAL,),
    )
    return Config(
        path=None,
        settings=Settings(),
        tenants={"contoso": tenant},
        environments={
            "prod": Environment("prod", "contoso", PROD_ID, dataverse_url),
            "test": Environment("test", "contoso", TEST_ID, None),
        },
        certificates={"plugins": Certificate("plugins", CERTIFICATE)},
        identities={"app": app, "reader": reader},
        key_vaults={
            "legacy": KeyVault("legacy", "contoso", POLICY_VAULT_ID, VaultAuthorization.ACCESS_POLICY, (Grant("app"),)),
            "shared": KeyVault("shared", "contoso", RBAC_VAULT_ID, VaultAuthorization.RBAC, (Grant("reader"),)),
        },
    )


def arm_credential(fic: FederatedCredential, **changes: object) -> dict[str, object]:
    properties = {"issuer": fic.issuer, "subject": fic.subject, "audiences": [fic.audience], **changes}
    return {
        "id": f"{IDENTITY_PATH}/federatedIdentityCredentials/{fic.name}",
        "name": fic.name,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        "properties": properties,
    }


def role_assignment(role_id: str, scope: str, principal_id: str = READER_PRINCIPAL_ID) -> dict[str, object]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{role_id[:8]}-assignment",
        "name": f"{role_id[:8]}-assignment",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
            "scope": scope,
        },
    }


def seed_matching_state(services: FakeServices) -> None:
    """Live state exactly as the config describes it."""
    cloud = services.cloud
    cloud.put(
        "arm",
        IDENTITY_PATH,
        {
            "id": IDENTITY_PATH,
            "name": "id-ppmi-reader",
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "location": "westeurope",
            "properties": {"tenantId": TENANT_ID, "principalId": READER_PRINCIPAL_ID, "clientId": READER_CLIENT_ID},
        },
    )
    cloud.put_collection(
        "arm", f"{IDENTITY_PATH}/federatedIdentityCredentials", [arm_credential(PROD_CREDENTIAL), arm_credential(TEST_CREDENTIAL)]
    )
    cloud.put("arm", RBAC_VAULT_ID, {"id": RBAC_VAULT_ID, "name": "kv-shared", "properties": {"tenantId": TENANT_ID, "enableRbacAuthorization": True, "accessPolicies": []}})
    cloud.put_collection(
        "arm",
        f"{RBAC_VAULT_ID}/providers/Microsoft.Authorization/roleAssignments",
        [role_assignment("acdd72a7-3385-48ef-bd42-f606fba81ae7", f"/subscriptions/{SUBSCRIPTION_ID}"),
         role_assignment(KEY_VAULT_SECRETS_USER_ROLE_ID, RBAC_VAULT_ID)],
    )
    cloud.put(
        "arm",
        POLICY_VAULT_ID,
        {
            "id": POLICY_VAULT_ID,
            "name": "kv-legacy",
            "properties": {
                "tenantId": TENANT_ID,
                "enableRbacAuthorization": False,
                "accessPolicies": [
                    {"tenantId": TENANT_ID, "objectId": APP_PRINCIPAL_ID, "permissions": {"secrets": ["get", "list"], "keys": [], "certificates": []}}
                ],
            },
        },
    )
    cloud.put_collection("graph", "/v1.0/applications", [{"id": APP_OBJECT_ID, "appId": APP_CLIENT_ID, "displayName": "ppmi-app"}])
    cloud.put_collection(
        "graph",
        f"/v1.0/applications/{APP_OBJECT_ID}/federatedIdentityCredentials",
        [{"id": "f1", "name": TEST_CREDENTIAL.name, "issuer": TEST_CREDENTIAL.issuer, "subject": TEST_CREDENTIAL.subject, "audiences": [TEST_CREDENTIAL.audience]}],
    )
    cloud.put_collection("graph", "/v1.0/servicePrincipals", [{"id": APP_PRINCIPAL_ID, "appId": APP_CLIENT_ID}])
    cloud.put_collection(
        "dataverse",
        "/api/data/v9.2/managedidentities",
        [{"managedidentityid": RECORD_ID, "applicationid": READER_CLIENT_ID, "tenantid": TENANT_ID, "credentialsource": 2, "subjectscope": 1, "version": 2, "name": "reader"}],
    )
    cloud.put("dataverse", f"/api/data/v9.2/pluginassemblies({ASSEMBLY_ID})", {"pluginassemblyid": ASSEMBLY_ID, "name": "Contoso.Plugins", "_managedidentityid_value": RECORD_ID})
    cloud.put("dataverse", f"/api/data/v9.2/pluginpackages({PACKAGE_ID})", {"pluginpackageid": PACKAGE_ID, "name": "contoso_Plugins", "_managedidentityid_value": RECORD_ID})


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServices]:
    with FakeServices(tmp_path) as started:
        token_file = tmp_path / "federated-token"
        token_file.write_text("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(started.cert_path))
        monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
        monkeypatch.setenv("AZURE_CLIENT_ID", "c0ffee00-0000-4000-8000-000000000001")
        monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        seed_matching_state(started)
        yield started


def verify(
    services: FakeServices,
    options: HttpOptions = FAST,
    selection: Selection = Selection(),
    arm: str | None = None,
    credential_kind: str = "workload-identity",
) -> Report:
    config = make_config(services.url("dataverse"))
    overrides = EndpointOverrides(arm=arm or services.url("arm"), graph=services.url("graph"), authority_host=services.authority_host)
    verifier = Verifier(config, Connections(config, credential_kind, overrides, options), selection)
    try:
        verifier.run()
    except EnvironmentFailure as failure:
        return Report(tuple(verifier.checks), failure)
    return Report(tuple(verifier.checks))


def check_at(report: Report, location: str):
    matches = [check for check in report.checks if check.location == location]
    assert len(matches) == 1, [c.location for c in report.checks]
    return matches[0]


def codes(report: Report) -> list[str]:
    return sorted(finding.code for finding in report.findings())


def test_matching_state_passes_every_check(services: FakeServices) -> None:
    report = verify(services)
    assert report.exit_code == exit_codes.OK, report.text()
    statuses = {check.location: check.status for check in report.checks}
    assert statuses == {
        "identities.app": Status.PASS,
        "identities.app.federated_credentials": Status.PASS,
        "identities.app.federated_credentials.test-plugins": Status.PASS,
        "identities.reader": Status.PASS,
        "identities.reader.federated_credentials": Status.PASS,
        "identities.reader.federated_credentials.prod-plugins": Status.PASS,
        "identities.reader.federated_credentials.test-plugins": Status.PASS,
        "key_vaults.legacy": Status.PASS,
        "key_vaults.legacy.grants.app": Status.PASS,
        "key_vaults.shared": Status.PASS,
        "key_vaults.shared.grants.reader": Status.PASS,
        "identities.app.dataverse.test": Status.SKIP,
        "identities.reader.dataverse.prod": Status.PASS,
        "identities.reader.dataverse.prod.plugin_assemblies." + ASSEMBLY_ID: Status.PASS,
        "identities.reader.dataverse.prod.plugin_packages." + PACKAGE_ID: Status.PASS,
        "identities.reader.dataverse.test": Status.SKIP,
    }
    assert report.findings() == []


def test_reads_only_with_get_the_right_user_agent_and_scopes(services: FakeServices) -> None:
    verify(services)
    reads = [r for r in services.cloud.requests if r.service != "authority"]
    assert reads and {r.method for r in reads} == {"GET"}
    assert all(r.headers.get("User-Agent", "").startswith("ppmi/") for r in reads)
    assert sorted(set(services.cloud.issued_tokens.values())) == sorted(
        f"{services.url(service)}/.default" for service in ("arm", "graph", "dataverse")
    )


def test_same_live_state_gives_the_same_report(services: FakeServices) -> None:
    assert verify(services).text() == verify(services).text()


def test_filters_by_identity_and_environment(services: FakeServices) -> None:
    report = verify(services, selection=Selection(identity_keys=("reader",), environment_keys=("prod",)))
    locations = [check.location for check in report.checks]
    assert "identities.app" not in locations
    assert "identities.reader.federated_credentials.test-plugins" not in locations
    assert "key_vaults.legacy" not in locations
    assert report.exit_code == exit_codes.OK


def test_missing_identity_fails_and_skips_what_depends_on_it(services: FakeServices) -> None:
    del services.cloud.documents[("arm", IDENTITY_PATH.lower())]
    report = verify(services)
    assert check_at(report, "identities.reader").status is Status.FAIL
    assert check_at(report, "identities.reader.federated_credentials.prod-plugins").status is Status.SKIP
    assert check_at(report, "key_vaults.shared.grants.reader").status is Status.SKIP
    assert check_at(report, "identities.reader.dataverse.prod").status is Status.SKIP
    assert codes(report) == ["verify.identity_missing"]
    assert report.exit_code == exit_codes.FINDINGS


def test_missing_app_registration(services: FakeServices) -> None:
    services.cloud.put_collection("graph", "/v1.0/applications", [])
    report = verify(services)
    assert codes(report) == ["verify.identity_missing"]
    assert check_at(report, "identities.app").status is Status.FAIL


def test_missing_credential(services: FakeServices) -> None:
    services.cloud.put_collection("arm", f"{IDENTITY_PATH}/federatedIdentityCredentials", [arm_credential(PROD_CREDENTIAL)])
    report = verify(services)
    assert codes(report) == ["verify.credential_missing"]
    assert check_at(report, "identities.reader.federated_credentials.test-plugins").status is Status.FAIL


@pytest.mark.parametrize(
    ("changes", "code", "field", "token_error"),
    [
        ({"issuer": f"https://login.microsoftonline.com/{SUBSCRIPTION_ID}/v2.0"}, "verify.credential_mismatch", "issuer", "AADSTS700211"),
        ({"subject": PROD_CREDENTIAL.subject.replace("/h/3f", "/h/4f")}, "verify.credential_mismatch", "subject", "AADSTS700213"),
        ({"audiences": ["api://AzureADTokenExchangeUSGov"]}, "verify.credential_mismatch", "audience", "AADSTS700212"),
        ({"audiences": [PROD_CREDENTIAL.audience, "api://other"]}, "verify.credential_mismatch", "audience", "exactly one"),
        ({"subject": PROD_CREDENTIAL.subject.replace("/h/3f3f", "/h/3F3F")}, "verify.credential_case_mismatch", "subject", "AADSTS7002138"),
        ({"audiences": ["api://azureadtokenexchange"]}, "verify.credential_case_mismatch", "audience", "AADSTS700212"),
        ({"subject": PROD_CREDENTIAL.subject + " "}, "verify.credential_whitespace", "subject", "white space"),
        ({"issuer": " " + PROD_CREDENTIAL.issuer}, "verify.credential_whitespace", "issuer", "white space"),
    ],
)
def test_each_credential_difference_is_reported(
    services: FakeServices, changes: dict[str, object], code: str, field: str, token_error: str
) -> None:
    services.cloud.put_collection(
        "arm",
        f"{IDENTITY_PATH}/federatedIdentityCredentials",
        [arm_credential(PROD_CREDENTIAL, **changes), arm_credential(TEST_CREDENTIAL)],
    )
    report = verify(services)
    check = check_at(report, "identities.reader.federated_credentials.prod-plugins")
    assert check.status is Status.FAIL
    assert [f.code for f in check.findings] == [code]
    finding = check.findings[0]
    assert dict(finding.context)["field"] == field
    assert token_error in finding.message
    assert finding.hint and finding.location == check.location
    assert report.exit_code == exit_codes.FINDINGS


def test_case_only_subject_difference_shows_where(services: FakeServices) -> None:
    services.cloud.put_collection(
        "arm",
        f"{IDENTITY_PATH}/federatedIdentityCredentials",
        [arm_credential(PROD_CREDENTIAL, subject=PROD_CREDENTIAL.subject.replace("/plugin/", "/Plugin/")), arm_credential(TEST_CREDENTIAL)],
    )
    finding = check_at(verify(services), "identities.reader.federated_credentials.prod-plugins").findings[0]
    position = PROD_CREDENTIAL.subject.index("/plugin/") + 2
    assert f"first difference at character {position}" in finding.message


def test_unexpected_credential_warns_and_counts(services: FakeServices) -> None:
    extra = arm_credential(PROD_CREDENTIAL)
    extra["name"] = "github-actions"
    extra["properties"] = {"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/app:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]}
    services.cloud.put_collection(
        "arm", f"{IDENTITY_PATH}/federatedIdentityCredentials", [arm_credential(PROD_CREDENTIAL), arm_credential(TEST_CREDENTIAL), extra]
    )
    report = verify(services)
    assert check_at(report, "identities.reader.federated_credentials.github-actions").status is Status.WARN
    assert codes(report) == ["verify.credential_unexpected"]
    assert check_at(report, "identities.reader.federated_credentials").detail == "3 present, 0 still to add"
    assert report.exit_code == exit_codes.OK


def test_credential_limit_counts_what_is_still_to_add(services: FakeServices) -> None:
    others = []
    for index in range(20):
        item = arm_credential(PROD_CREDENTIAL, subject=f"repo:contoso/app{index}:ref:refs/heads/main")
        item["name"] = f"other-{index:02d}"
        others.append(item)
    services.cloud.put_collection("arm", f"{IDENTITY_PATH}/federatedIdentityCredentials", others)
    report = verify(services)
    check = check_at(report, "identities.reader.federated_credentials")
    assert check.status is Status.FAIL
    assert [f.code for f in check.findings] == ["verify.credential_limit"]
    assert "22" in check.findings[0].message
    assert len([r for r in services.cloud.requests_to("arm") if "federatedIdentityCredentials" in r.path]) == 10


@pytest.mark.parametrize(
    ("vault_id", "rbac"),
    [(RBAC_VAULT_ID, False), (POLICY_VAULT_ID, True)],
)
def test_vault_authorization_must_match_the_grant_kind(services: FakeServices, vault_id: str, rbac: bool) -> None:
    document = services.cloud.documents[("arm", vault_id.lower())]
    document["properties"]["enableRbacAuthorization"] = rbac  # type: ignore[index]
    report = verify(services)
    vault_key = "shared" if vault_id == RBAC_VAULT_ID else "legacy"
    assert check_at(report, f"key_vaults.{vault_key}").status is Status.FAIL
    grant = [c for c in report.checks if c.location.startswith(f"key_vaults.{vault_key}.grants.")][0]
    assert grant.status is Status.SKIP
    assert codes(report) == ["verify.vault_authorization_mismatch"]


def test_access_policy_without_get_fails(services: FakeServices) -> None:
    document = services.cloud.documents[("arm", POLICY_VAULT_ID.lower())]
    document["properties"]["accessPolicies"][0]["permissions"]["secrets"] = ["list"]  # type: ignore[index]
    report = verify(services)
    check = check_at(report, "key_vaults.legacy.grants.app")
    assert check.status is Status.FAIL and [f.code for f in check.findings] == ["verify.grant_missing"]
    assert "secret Get" in check.findings[0].message


@pytest.mark.parametrize(
    ("assignments", "passes"),
    [
        ([role_assignment(KEY_VAULT_SECRETS_OFFICER_ROLE_ID, f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-kv")], True),
        ([role_assignment(KEY_VAULT_SECRETS_USER_ROLE_ID, "/")], True),
        ([role_assignment(KEY_VAULT_SECRETS_USER_ROLE_ID, RBAC_VAULT_ID + "/secrets/one")], False),
        ([role_assignment(KEY_VAULT_SECRETS_USER_ROLE_ID, f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-kv2")], False),
        ([role_assignment("acdd72a7-3385-48ef-bd42-f606fba81ae7", RBAC_VAULT_ID)], False),
        ([], False),
    ],
    ids=["broader-role-above", "root-scope", "below-vault", "sibling-scope", "reader-role-only", "none"],
)
def test_rbac_grant_needs_a_secret_reading_role_at_vault_scope_or_above(
    services: FakeServices, assignments: list[dict[str, object]], passes: bool
) -> None:
    services.cloud.put_collection("arm", f"{RBAC_VAULT_ID}/providers/Microsoft.Authorization/roleAssignments", assignments)
    check = check_at(verify(services), "key_vaults.shared.grants.reader")
    assert check.status is (Status.PASS if passes else Status.FAIL)
    assert [f.code for f in check.findings] == ([] if passes else ["verify.grant_missing"])


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"version": 1}, "verify.record_version_mismatch"),
        ({"version": None}, "verify.record_version_mismatch"),
        ({"credentialsource": 0}, "verify.record_mismatch"),
        ({"subjectscope": 2}, "verify.record_mismatch"),
        ({"tenantid": "00000000-0000-0000-0000-000000000bad"}, "verify.record_mismatch"),
        ({"managedidentityid": "6b1e1f3a-0000-4000-8000-00000000ffff"}, "verify.record_mismatch"),
    ],
)
def test_dataverse_record_differences(services: FakeServices, changes: dict[str, object], code: str) -> None:
    record = services.cloud.collections[("dataverse", "/api/data/v9.2/managedidentities")][0]
    record.update(changes)
    report = verify(services)
    check = check_at(report, "identities.reader.dataverse.prod")
    assert check.status is Status.FAIL
    assert [f.code for f in check.findings] == [code]
    assert report.exit_code == exit_codes.FINDINGS


def test_missing_record_and_the_links_it_skips(services: FakeServices) -> None:
    services.cloud.put_collection("dataverse", "/api/data/v9.2/managedidentities", [])
    report = verify(services)
    assert codes(report) == ["verify.record_missing"]
    assert check_at(report, f"identities.reader.dataverse.prod.plugin_assemblies.{ASSEMBLY_ID}").status is Status.SKIP
    query = services.cloud.requests_to("dataverse")[0].query
    assert query["$filter"] == [f"applicationid eq {READER_CLIENT_ID}"]


def test_plugin_links(services: FakeServices) -> None:
    services.cloud.documents[("dataverse", f"/api/data/v9.2/pluginassemblies({ASSEMBLY_ID})")]["_managedidentityid_value"] = None
    del services.cloud.documents[("dataverse", f"/api/data/v9.2/pluginpackages({PACKAGE_ID})")]
    report = verify(services)
    assert codes(report) == ["verify.plugin_missing", "verify.plugin_not_linked"]
    assert "no managed identity" in check_at(report, f"identities.reader.dataverse.prod.plugin_assemblies.{ASSEMBLY_ID}").findings[0].message


@pytest.mark.parametrize("status", [401, 403])
def test_no_permission_names_the_read_only_role(services: FakeServices, status: int) -> None:
    services.cloud.faults.append(Fault("arm", "/providers/Microsoft.KeyVault/vaults/kv-shared", status, times=10))
    report = verify(services)
    check = check_at(report, "key_vaults.shared")
    assert check.status is Status.FAIL
    finding = check.findings[0]
    assert finding.code == "verify.no_permission"
    assert "No permission to read key vault kv-shared" in finding.message
    assert "'Reader'" in finding.hint
    assert check_at(report, "key_vaults.shared.grants.reader").status is Status.SKIP
    assert report.exit_code == exit_codes.FINDINGS


def test_dataverse_no_permission(services: FakeServices) -> None:
    services.cloud.faults.append(Fault("dataverse", "managedidentities", 403))
    finding = check_at(verify(services), "identities.reader.dataverse.prod").findings[0]
    assert finding.code == "verify.no_permission" and "Managed Identity" in finding.hint


def test_429_waits_as_long_as_retry_after_says(services: FakeServices) -> None:
    services.cloud.faults.append(Fault("arm", "/userAssignedIdentities/id-ppmi-reader", 429, {"Retry-After": "0.3"}))
    report = verify(services, options=HttpOptions(timeout=5.0, retries=2, retry_backoff=0.001, retry_backoff_max=0.001))
    assert report.exit_code == exit_codes.OK, report.text()
    first, second = [r for r in services.cloud.requests_to("arm") if r.path == IDENTITY_PATH][:2]
    assert second.at - first.at >= 0.3


def test_500_then_success_is_retried(services: FakeServices) -> None:
    services.cloud.faults.append(Fault("graph", "/v1.0/applications", 500, times=2))
    report = verify(services)
    assert report.exit_code == exit_codes.OK, report.text()
    assert len([r for r in services.cloud.requests_to("graph") if r.path == "/v1.0/applications"]) == 3


def test_500_after_all_retries_stops_with_exit_3(services: FakeServices) -> None:
    services.cloud.faults.append(Fault("graph", "/v1.0/applications", 503, times=10))
    report = verify(services)
    assert report.exit_code == exit_codes.ENVIRONMENT
    assert codes(report) == ["verify.service_unavailable"]


def test_connection_refused_stops_with_exit_3(services: FakeServices) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    report = verify(services, arm=f"https://127.0.0.1:{port}")
    assert report.exit_code == exit_codes.ENVIRONMENT
    assert codes(report) == ["verify.network_failed"]
    assert f"127.0.0.1:{port}" in report.findings()[-1].message


def test_timeout_stops_with_exit_3(services: FakeServices) -> None:
    services.cloud.faults.append(Fault("arm", "/userAssignedIdentities/id-ppmi-reader", 200, delay=1.0, times=5))
    started = time.monotonic()
    report = verify(services, options=HttpOptions(timeout=0.2, retries=0, retry_backoff=0.001))
    assert time.monotonic() - started < 1.0
    assert report.exit_code == exit_codes.ENVIRONMENT
    assert codes(report) == ["verify.network_failed"]
    assert "--timeout" in report.findings()[-1].hint


def test_authentication_failure_names_the_credential_and_hides_the_assertion(
    services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-token"
    empty.write_text("")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(empty))
    report = verify(services)
    assert report.exit_code == exit_codes.ENVIRONMENT
    finding = report.findings()[-1]
    assert finding.code == "verify.authentication_failed"
    assert "WorkloadIdentityCredential" in finding.message
    assert report.checks == ()


def test_subject_difference_is_explained_part_by_part(services: FakeServices) -> None:
    services.cloud.put_collection(
        "arm",
        f"{IDENTITY_PATH}/federatedIdentityCredentials",
        [arm_credential(PROD_CREDENTIAL, subject=TEST_CREDENTIAL.subject), arm_credential(TEST_CREDENTIAL)],
    )
    finding = check_at(verify(services), "identities.reader.federated_credentials.prod-plugins").findings[0]
    assert f"environment_id is {TEST_ID}, expected {PROD_ID}" in finding.message


@pytest.mark.parametrize("credential_kind", ["default", "environment"])
def test_other_credential_choices_get_their_tokens_from_the_authority(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch, credential_kind: str
) -> None:
    if credential_kind == "environment":
        monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    else:
        # DefaultAzureCredential (azure-identity 1.27) does not hand its authority to the workload identity
        # credential in its chain; that one reads AZURE_AUTHORITY_HOST, as AKS workload identity sets it.
        monkeypatch.setenv("AZURE_AUTHORITY_HOST", services.url("authority"))
    report = verify(services, credential_kind=credential_kind)
    assert report.exit_code == exit_codes.OK, report.text()
    token_requests = [r for r in services.cloud.requests_to("authority") if r.method == "POST"]
    assert token_requests and all(r.path == f"/{TENANT_ID}/oauth2/v2.0/token" for r in token_requests)


def test_cloud_override_picks_that_clouds_endpoints() -> None:
    config = make_config("https://contoso.crm.dynamics.com")
    usgov = Connections(config, "default", EndpointOverrides(cloud=CLOUDS["usgov"]), FAST).endpoints("contoso")
    assert (usgov.arm, usgov.graph, usgov.authority_host) == (
        "https://management.usgovcloudapi.net",
        "https://graph.microsoft.us",
        "login.microsoftonline.us",
    )
    assert not usgov.authority_overridden
    public = Connections(config, "default", EndpointOverrides(arm="https://arm.example/"), FAST).endpoints("contoso")
    assert (public.arm, public.graph) == ("https://arm.example", "https://graph.microsoft.com")
