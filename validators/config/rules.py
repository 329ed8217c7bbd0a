"""Facts the semantic checks rely on, each with its source."""

from __future__ import annotations

FIC_UNSUPPORTED_REGIONS = frozenset({"malaysiasouth", "newzealandnorth"})
"""Regions where user-assigned identities do not support federated credentials (HTTP 405 "not enabled").
Source: learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations, newest version."""

FIC_FORMERLY_UNSUPPORTED_REGIONS = frozenset(
    {"eastasia", "israelcentral", "italynorth", "mexicocentral", "qatarcentral", "spaincentral"}
)
"""Listed as unsupported by an older version of the same page; likely supported now, so only a warning."""

SECRET_PERMISSIONS = frozenset({"Backup", "Delete", "Get", "List", "Purge", "Recover", "Restore", "Set"})
KEY_PERMISSIONS = frozenset(
    {
        "Backup", "Create", "Decrypt", "Delete", "Encrypt", "Get", "GetRotationPolicy", "Import", "List", "Purge",
        "Recover", "Release", "Restore", "Rotate", "SetRotationPolicy", "Sign", "UnwrapKey", "Update", "Verify",
        "WrapKey",
    }
)
CERTIFICATE_PERMISSIONS = frozenset(
    {
        "Backup", "Create", "Delete", "DeleteIssuers", "Get", "GetIssuers", "Import", "List", "ListIssuers",
        "ManageContacts", "ManageIssuers", "Purge", "Recover", "Restore", "SetIssuers", "Update",
    }
)
"""Values of azurerm_key_vault_access_policy (registry.terraform.io/providers/hashicorp/azurerm, 4.x)."""

READ_SECRET_PERMISSIONS = frozenset({"Get", "List"})

BROADER_SECRET_ROLES = frozenset(
    {
        "Key Vault Secrets Officer",
        "Key Vault Administrator",
        "Key Vault Data Access Administrator",
        "Owner",
        "Contributor",
        "User Access Administrator",
    }
)
"""Built-in roles that can read secrets but grant more than Key Vault Secrets User
(learn.microsoft.com/azure/key-vault/general/rbac-guide)."""

SECRET_LIKE_KEYS = (
    "password", "passwd", "client_secret", "secret_value", "private_key", "pfx", "p12", "token",
    "connection_string", "api_key", "access_key", "sas",
)
"""Config keys that would hold secret material: ppmi accepts none, whatever the schema says."""

MAX_KEY_VAULT_ACCESS_POLICIES = 1024
