"""The Dataverse side of an identity: its ``managedidentity`` record and the plug-ins linked to it.

The record is a ``powerplatform_data_record`` whose ``managedidentityid`` column is the config's
``record_id``, so every apply upserts the same row. Plug-in assemblies and packages are linked with
``powerplatform_rest`` (PATCH the lookup on create, DELETE its ``$ref`` on destroy), never with a
data record: destroying a data record deletes the row, here the plug-in assembly itself.
Column values: learn.microsoft.com/power-platform/admin/set-up-managed-identity.
"""

from __future__ import annotations

import json

from constructs import Construct

from stacks.identity import PluginIdentity
from stacks.providers.base import AttributeValue, TypedResource
from stacks.providers.powerplatform import DataRecord, Rest, RestOperation
from stacks.tenant_providers import TenantProviders
from validators.model import DataverseBinding, Environment

CREDENTIAL_SOURCE_MANAGED = 2
"""``credentialsource`` 2: IsManaged."""
SUBJECT_SCOPE_ENVIRONMENT = 1
"""``subjectscope`` 1: the subject names the environment."""
WEB_API = "api/data/v9.2"
NO_CONTENT = 204


def record_payload(identity: PluginIdentity) -> dict[str, AttributeValue]:
    """The ``managedidentity`` columns, also emitted as an output for pipelines that write the record themselves."""
    return {
        "applicationid": identity.client_id,
        "credentialsource": CREDENTIAL_SOURCE_MANAGED,
        "name": identity.identity.name,
        "subjectscope": SUBJECT_SCOPE_ENVIRONMENT,
        "tenantid": identity.tenant_id,
        "version": identity.identity.record_version,
    }


def build_dataverse_binding(
    scope: Construct,
    identity: PluginIdentity,
    binding: DataverseBinding,
    environment: Environment,
    *,
    providers: TenantProviders,
) -> list[TypedResource]:
    """The record of one identity in one environment, then one link per listed assembly and package.

    The record waits for the last credential of the identity's chain (and so for all of them): a new
    ``version`` then never goes live before the credential of that format exists, the safe upgrade order.
    """
    prefix = f"{identity.identity.key}_{binding.environment_key}"
    record = DataRecord(
        scope,
        f"record_{prefix}",
        environment_id=environment.environment_id,
        table_logical_name="managedidentity",
        columns={"managedidentityid": binding.record_id, **record_payload(identity)},
        provider=providers.powerplatform(),
        depends_on=identity.credentials[-1:],
    )
    resources: list[TypedResource] = [record]
    plugins = [("pluginassemblies", "assembly", plugin_id) for plugin_id in sorted(binding.plugin_assemblies)]
    plugins += [("pluginpackages", "package", plugin_id) for plugin_id in sorted(binding.plugin_packages)]
    if plugins and not environment.url:
        raise ValueError(f"environment {environment.key!r} needs a url to link plug-ins")
    for entity_set, kind, plugin_id in plugins:
        base_url = (environment.url or "").rstrip("/")
        plugin_url = f"{base_url}/{WEB_API}/{entity_set}({plugin_id})"
        token_scope = f"{base_url}/.default"
        resources.append(
            Rest(
                scope,
                f"link_{prefix}_{kind}_{plugin_id}",
                create=RestOperation(
                    method="PATCH",
                    url=plugin_url,
                    scope=token_scope,
                    body=json.dumps(
                        {"managedidentityid@odata.bind": f"/managedidentities({binding.record_id})"}, sort_keys=True
                    ),
                    expected_http_status=(NO_CONTENT,),
                ),
                destroy=RestOperation(
                    method="DELETE",
                    url=f"{plugin_url}/managedidentityid/$ref",
                    scope=token_scope,
                    expected_http_status=(NO_CONTENT,),
                ),
                provider=providers.powerplatform(),
                depends_on=[record],
            )
        )
    return resources
