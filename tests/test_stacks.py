"""Synthesized stacks of a hand-built config: resources, attributes, references, order, outputs, state.

One synth for the whole module (the CDK runtime costs about half a second per synth).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synth_sample import ASSEMBLY_IDS, CONTOSO_TENANT_ID, PACKAGE_ID, RECORD_ID, VAULT_ID, load_stack, sample_config
from stacks.synth import synthesize

FIC = "azurerm_federated_identity_credential"
APP_FIC = "azuread_application_federated_identity_credential"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synth") / "cdktf.out"
    synthesize(sample_config(), target)
    return target


@pytest.fixture(scope="module")
def contoso(outdir: Path) -> dict:
    return load_stack(outdir, "contoso")


@pytest.fixture(scope="module")
def fabrikam(outdir: Path) -> dict:
    return load_stack(outdir, "fabrikam")


def resources(stack: dict, resource_type: str) -> dict[str, dict]:
    return stack["resource"][resource_type]


def test_one_stack_per_tenant_named_by_key(outdir: Path) -> None:
    assert sorted(p.name for p in (outdir / "stacks").iterdir()) == ["contoso", "fabrikam"]
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["contoso", "fabrikam"]


def test_user_assigned_identity_attributes_and_prevent_destroy(contoso: dict) -> None:
    identity = resources(contoso, "azurerm_user_assigned_identity")["identity_reader"]
    assert identity["name"] == "id-ppmi-reader"
    assert identity["resource_group_name"] == "rg-ppmi"
    assert identity["location"] == "westeurope"
    assert identity["tags"] == {"cost-center": "42", "owner": "platform-team"}
    assert identity["lifecycle"] == {"prevent_destroy": True}


def test_credentials_render_the_model_verbatim(contoso: dict) -> None:
    config = sample_config()
    credentials = resources(contoso, FIC)
    expected = {f"fic_reader_{c.name}": c for c in config.identities["reader"].credentials}
    assert set(credentials) == set(expected)
    for construct_id, credential in expected.items():
        emitted = credentials[construct_id]
        assert emitted["name"] == credential.name
        assert emitted["issuer"] == credential.issuer
        assert emitted["subject"] == credential.subject
        assert emitted["audience"] == [credential.audience]
        assert emitted["user_assigned_identity_id"] == "${azurerm_user_assigned_identity.identity_reader.id}"
        assert "parent_id" not in emitted and "resource_group_name" not in emitted


@pytest.mark.parametrize("resource_type, identity_key", [(FIC, "reader"), (APP_FIC, "writer")])
def test_credentials_are_created_one_after_another_in_name_order(contoso: dict, resource_type: str, identity_key: str) -> None:
    credentials = resources(contoso, resource_type)
    ids = sorted(k for k in credentials if k.startswith(f"fic_{identity_key}_"))
    assert "depends_on" not in credentials[ids[0]]
    for previous, current in zip(ids, ids[1:]):
        assert credentials[current]["depends_on"] == [f"{resource_type}.{previous}"]


def test_app_registration_with_service_principal_and_credential(contoso: dict) -> None:
    application = resources(contoso, "azuread_application_registration")["identity_writer"]
    assert application["display_name"] == "app-ppmi-writer"
    assert "lifecycle" not in application  # prevent_destroy: false in the model
    principal = resources(contoso, "azuread_service_principal")["sp_writer"]
    assert principal["client_id"] == "${azuread_application_registration.identity_writer.client_id}"
    credential = resources(contoso, APP_FIC)["fic_writer_prod-plugins-selfsigned-v2"]
    assert credential["application_id"] == "${azuread_application_registration.identity_writer.id}"
    assert credential["display_name"] == "prod-plugins-selfsigned-v2"
    assert credential["audiences"] == ["api://AzureADTokenExchange"]


def test_rbac_vault_gets_role_assignment_for_each_identity_kind(contoso: dict) -> None:
    assignments = resources(contoso, "azurerm_role_assignment")
    assert assignments["grant_shared_reader"] == {
        "//": assignments["grant_shared_reader"]["//"],
        "principal_id": "${azurerm_user_assigned_identity.identity_reader.principal_id}",
        "principal_type": "ServicePrincipal",
        "provider": "azurerm",
        "role_definition_name": "Key Vault Secrets User",
        "scope": VAULT_ID,
        "skip_service_principal_aad_check": True,
    }
    assert assignments["grant_shared_writer"]["principal_id"] == "${azuread_service_principal.sp_writer.object_id}"


def test_access_policy_vault_gets_policy_with_grant_permissions(contoso: dict, fabrikam: dict) -> None:
    policy = resources(contoso, "azurerm_key_vault_access_policy")["grant_legacy_reader"]
    assert policy["secret_permissions"] == ["Get", "List"]
    assert policy["object_id"] == "${azurerm_user_assigned_identity.identity_reader.principal_id}"
    assert policy["tenant_id"] == CONTOSO_TENANT_ID
    assert "key_permissions" not in policy and "certificate_permissions" not in policy
    default = resources(fabrikam, "azurerm_key_vault_access_policy")["grant_gov_gov-reader"]
    assert default["secret_permissions"] == ["Get"]


def test_dataverse_record_upserts_a_chosen_guid(contoso: dict) -> None:
    record = resources(contoso, "powerplatform_data_record")["record_reader_prod"]
    assert record["table_logical_name"] == "managedidentity"
    assert record["columns"] == {
        "applicationid": "${azurerm_user_assigned_identity.identity_reader.client_id}",
        "credentialsource": 2,
        "managedidentityid": RECORD_ID,
        "name": "id-ppmi-reader",
        "subjectscope": 1,
        "tenantid": "${azurerm_user_assigned_identity.identity_reader.tenant_id}",
        "version": 2,
    }
    last_credential = sorted(c.name for c in sample_config().identities["reader"].credentials)[-1]
    assert record["depends_on"] == [f"{FIC}.fic_reader_{last_credential}"]


def test_plugins_are_linked_with_rest_calls_never_data_records(contoso: dict) -> None:
    links = resources(contoso, "powerplatform_rest")
    expected = {f"link_reader_prod_assembly_{a}": ("pluginassemblies", a) for a in ASSEMBLY_IDS}
    expected[f"link_reader_prod_package_{PACKAGE_ID}"] = ("pluginpackages", PACKAGE_ID)
    assert set(links) == set(expected)
    for construct_id, (entity_set, plugin_id) in expected.items():
        link = links[construct_id]
        url = f"https://contoso.crm.dynamics.com/api/data/v9.2/{entity_set}({plugin_id})"
        assert link["create"]["method"] == "PATCH"
        assert link["create"]["url"] == url
        assert json.loads(link["create"]["body"]) == {"managedidentityid@odata.bind": f"/managedidentities({RECORD_ID})"}
        assert link["destroy"] == {
            "expected_http_status": [204],
            "method": "DELETE",
            "scope": "https://contoso.crm.dynamics.com/.default",
            "url": f"{url}/managedidentityid/$ref",
        }
        assert link["depends_on"] == ["powerplatform_data_record.record_reader_prod"]
    records = resources(contoso, "powerplatform_data_record").values()
    assert all(r["table_logical_name"] == "managedidentity" for r in records)


def test_outputs_per_identity(contoso: dict) -> None:
    outputs = contoso["output"]
    assert outputs["identity_reader_client_id"]["value"] == "${azurerm_user_assigned_identity.identity_reader.client_id}"
    assert outputs["identity_reader_principal_id"]["value"] == "${azurerm_user_assigned_identity.identity_reader.principal_id}"
    assert outputs["identity_writer_principal_id"]["value"] == "${azuread_service_principal.sp_writer.object_id}"
    assert outputs["identity_writer_tenant_id"]["value"] == CONTOSO_TENANT_ID
    subjects = outputs["identity_reader_fic_subjects"]["value"]
    assert subjects == {c.name: c.subject for c in sample_config().identities["reader"].credentials}
    record = outputs["identity_reader_dataverse_record"]["value"]
    assert record.startswith("${jsonencode(") and '"credentialsource" = 2' in record and '"version" = 2' in record


def test_local_backend_path_is_relative(contoso: dict) -> None:
    assert contoso["terraform"]["backend"] == {"local": {"path": "terraform.contoso.tfstate"}}


def test_azurerm_backend_from_the_model(fabrikam: dict) -> None:
    assert fabrikam["terraform"]["backend"]["azurerm"] == {
        "container_name": "tfstate",
        "key": "ppmi-fabrikam.tfstate",
        "resource_group_name": "rg-tfstate",
        "storage_account_name": "sttfstate",
        "use_azuread_auth": True,
    }


def test_providers_per_cloud_and_only_those_used(contoso: dict, fabrikam: dict) -> None:
    assert contoso["provider"]["azurerm"] == [
        {
            "environment": "public",
            "features": [{}],
            "subscription_id": "00000000-0000-0000-0000-000000000001",
            "tenant_id": CONTOSO_TENANT_ID,
        }
    ]
    assert contoso["provider"]["azuread"] == [{"environment": "global", "tenant_id": CONTOSO_TENANT_ID}]
    assert contoso["provider"]["powerplatform"] == [{"cloud": "public", "tenant_id": CONTOSO_TENANT_ID}]
    assert set(fabrikam["provider"]) == {"azurerm"}
    assert fabrikam["provider"]["azurerm"][0]["environment"] == "usgovernment"
    assert "subscription_id" not in fabrikam["provider"]["azurerm"][0]
    assert contoso["terraform"]["required_providers"] == {
        "azuread": {"source": "hashicorp/azuread", "version": "~> 3.0"},
        "azurerm": {"source": "hashicorp/azurerm", "version": ">= 4.65, < 6.0"},
        "powerplatform": {"source": "microsoft/power-platform", "version": "~> 4.0"},
    }


def test_no_library_version_and_no_absolute_paths(outdir: Path) -> None:
    for path in (outdir / "stacks").rglob("cdk.tf.json"):
        text = path.read_text()
        assert '"version": "0.2' not in text
        assert str(outdir) not in text and "/tmp" not in text
        assert text.endswith("}\n")
