"""Reference app for the benchmark: the example's resources declared with the prebuilt provider packages.

Runs only in the bench venv (.bench/venv, see bench/run.py), with the repository on PYTHONPATH for
the config loader. The prebuilt azurerm package for cdktf 0.21 wraps azurerm 4.55, which predates
``user_assigned_identity_id``: credentials use ``parent_id`` here. powerplatform has no prebuilt
package, so its resources use the generic ``TerraformResource``, as ppmi's wrappers do.
"""

import json
import os
import sys

from cdktf import App, AzurermBackend, LocalBackend, TerraformOutput, TerraformResource, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_azuread.application_federated_identity_credential import ApplicationFederatedIdentityCredential
from cdktf_cdktf_provider_azuread.application_registration import ApplicationRegistration
from cdktf_cdktf_provider_azuread.provider import AzureadProvider
from cdktf_cdktf_provider_azuread.service_principal import ServicePrincipal
from cdktf_cdktf_provider_azurerm.federated_identity_credential import FederatedIdentityCredential
from cdktf_cdktf_provider_azurerm.key_vault_access_policy import KeyVaultAccessPolicyA
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity

from validators.config import load_config
from validators.model import IdentityKind, LocalBackend as LocalBackendSpec, VaultAuthorization


def build(app: App, config, tenant) -> None:
    stack = TerraformStack(app, tenant.key)
    if isinstance(tenant.backend, LocalBackendSpec):
        LocalBackend(stack, path=tenant.backend.path)
    else:
        b = tenant.backend
        AzurermBackend(stack, resource_group_name=b.resource_group_name, storage_account_name=b.storage_account_name, container_name=b.container_name, key=b.key)
    azurerm = AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()], subscription_id=tenant.subscription_id, tenant_id=tenant.tenant_id)
    azuread = AzureadProvider(stack, "azuread", tenant_id=tenant.tenant_id)
    principals = {}
    for identity in config.identities_in(tenant.key):
        lifecycle = TerraformResourceLifecycle(prevent_destroy=identity.prevent_destroy)
        previous = None
        if identity.kind is IdentityKind.USER_ASSIGNED_IDENTITY:
            uami = UserAssignedIdentity(stack, f"identity_{identity.key}", name=identity.name, resource_group_name=identity.resource_group_name, location=identity.location, tags=dict(identity.tags), provider=azurerm, lifecycle=lifecycle)
            principals[identity.key] = uami.principal_id
            client_id = uami.client_id
            for credential in sorted(identity.credentials, key=lambda c: c.name):
                previous = FederatedIdentityCredential(stack, f"fic_{identity.key}_{credential.name}", name=credential.name, audience=[credential.audience], issuer=credential.issuer, subject=credential.subject, parent_id=uami.id, resource_group_name=identity.resource_group_name, provider=azurerm, depends_on=[previous] if previous else None)
        else:
            application = ApplicationRegistration(stack, f"identity_{identity.key}", display_name=identity.name, provider=azuread, lifecycle=lifecycle)
            principal = ServicePrincipal(stack, f"sp_{identity.key}", client_id=application.client_id, provider=azuread)
            principals[identity.key] = principal.object_id
            client_id = application.client_id
            for credential in sorted(identity.credentials, key=lambda c: c.name):
                previous = ApplicationFederatedIdentityCredential(stack, f"fic_{identity.key}_{credential.name}", application_id=application.id, display_name=credential.name, audiences=[credential.audience], issuer=credential.issuer, subject=credential.subject, provider=azuread, depends_on=[previous] if previous else None)
        TerraformOutput(stack, f"identity_{identity.key}_client_id", value=client_id)
        for binding in identity.dataverse:
            environment = config.environments[binding.environment_key]
            record = TerraformResource(stack, f"record_{identity.key}_{binding.environment_key}", terraform_resource_type="powerplatform_data_record")
            record.add_override("environment_id", environment.environment_id)
            record.add_override("table_logical_name", "managedidentity")
            record.add_override("columns", {"managedidentityid": binding.record_id, "applicationid": client_id, "tenantid": tenant.tenant_id, "credentialsource": 2, "subjectscope": 1, "version": identity.record_version, "name": identity.name})
            for assembly in binding.plugin_assemblies:
                link = TerraformResource(stack, f"link_{identity.key}_{binding.environment_key}_assembly_{assembly}", terraform_resource_type="powerplatform_rest")
                url = f"{environment.url}/api/data/v9.2/pluginassemblies({assembly})"
                link.add_override("create", {"method": "PATCH", "url": url, "scope": f"{environment.url}/.default", "body": json.dumps({"managedidentityid@odata.bind": f"/managedidentities({binding.record_id})"})})
    for vault in config.key_vaults_in(tenant.key):
        for grant in vault.grants:
            if vault.authorization is VaultAuthorization.ACCESS_POLICY:
                KeyVaultAccessPolicyA(stack, f"grant_{vault.key}_{grant.identity_key}", key_vault_id=vault.key_vault_id, tenant_id=tenant.tenant_id, object_id=principals[grant.identity_key], secret_permissions=list(grant.secret_permissions), provider=azurerm)
            else:
                RoleAssignment(stack, f"grant_{vault.key}_{grant.identity_key}", scope=vault.key_vault_id, role_definition_name=grant.role_definition_name, principal_id=principals[grant.identity_key], principal_type="ServicePrincipal", skip_service_principal_aad_check=True, provider=azurerm)


def main() -> int:
    loaded = load_config(os.environ.get("PPMI_CONFIG") or "examples/ppmi.yaml")
    if loaded.config is None:
        print(loaded.findings, file=sys.stderr)
        return 1
    app = App(outdir=os.environ.get("CDKTF_OUTDIR") or "cdktf.out")
    for tenant in loaded.config.tenants.values():
        build(app, loaded.config, tenant)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
