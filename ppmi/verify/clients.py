"""Read-only access to Azure Resource Manager, Microsoft Graph and Dataverse.

Authentication is azure-identity's; every request goes through an azure-core pipeline with
retries (429 and 5xx, honouring ``Retry-After``), a per-request timeout, a ``ppmi/<version>``
user agent and a bearer token for the one scope the service accepts. Only GET is ever sent.

Failures become exceptions of this module so the checks can tell "the item is not there" (None),
"the caller may not read it" (``PermissionDenied``) and "nothing can be read" (``EnvironmentFailure``)
apart without knowing HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from azure.core import PipelineClient
from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential, TokenRequestOptions
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, HeadersPolicy, RetryPolicy, UserAgentPolicy
from azure.core.rest import HttpRequest

from ppmi import __version__
from validators.clouds import Cloud
from validators.model import Config

CREDENTIAL_KINDS: tuple[str, ...] = ("default", "cli", "environment", "managed-identity", "workload-identity")

CREDENTIAL_CHAINS: dict[str, str] = {
    "default": (
        "DefaultAzureCredential (tried in order: environment variables, workload identity, managed identity, "
        "shared token cache, Visual Studio Code, Azure CLI, Azure PowerShell, Azure Developer CLI)"
    ),
    "cli": "AzureCliCredential (the account of 'az login')",
    "environment": (
        "EnvironmentCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
        "AZURE_CLIENT_CERTIFICATE_PATH)"
    ),
    "managed-identity": "ManagedIdentityCredential (the managed identity of this machine; AZURE_CLIENT_ID picks a user-assigned one)",
    "workload-identity": "WorkloadIdentityCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE)",
}
"""What each ``--credential`` choice tries, named in the message when authentication fails."""

ARM_IDENTITY_API_VERSION = "2023-01-31"
ARM_KEY_VAULT_API_VERSION = "2023-07-01"
ARM_AUTHORIZATION_API_VERSION = "2022-04-01"
DATAVERSE_API = "api/data/v9.2"


@dataclass(frozen=True)
class HttpOptions:
    """How patient verify is: seconds per request, retries and the exponential back-off between them."""

    timeout: float = 30.0
    retries: int = 3
    retry_backoff: float = 0.8
    retry_backoff_max: float = 30.0


@dataclass(frozen=True)
class Endpoints:
    """Where one tenant's reads go: from its cloud unless overridden on the command line."""

    arm: str
    graph: str
    authority_host: str
    authority_overridden: bool = False


def endpoints_for(
    cloud: Cloud,
    *,
    arm: str | None = None,
    graph: str | None = None,
    authority_host: str | None = None,
) -> Endpoints:
    return Endpoints(
        arm=(arm or cloud.arm_endpoint).rstrip("/"),
        graph=(graph or cloud.graph_endpoint).rstrip("/"),
        authority_host=authority_host or cloud.authority_host,
        authority_overridden=authority_host is not None,
    )


@dataclass(frozen=True)
class Service:
    """A service verify reads from, and the read-only access that lets a caller read it."""

    name: str
    reader_access: str


ARM = Service(
    "Azure Resource Manager",
    "the built-in role 'Reader' on the subscription or resource group (it includes role assignment reads)",
)
GRAPH = Service(
    "Microsoft Graph",
    "the Graph permission Application.Read.All, or the Entra role 'Directory Readers' for a signed-in user",
)
DATAVERSE = Service(
    "Dataverse",
    "a Dataverse security role with Read on the Managed Identity, Plugin Assembly and Plugin Package tables "
    "(for example System Customizer)",
)


class ReadFailure(Exception):
    """One read could not be answered; the checks turn it into a finding and carry on."""

    def __init__(self, service: Service, what: str, status: int, detail: str) -> None:
        super().__init__(f"{service.name}: {what}: HTTP {status} {detail}".strip())
        self.service = service
        self.what = what
        self.status = status
        self.detail = detail


class PermissionDenied(ReadFailure):
    """401 or 403: the caller's token was refused for this item."""


class UnexpectedResponse(ReadFailure):
    """A status or body verify cannot interpret as the item or its absence."""


class EnvironmentFailure(Exception):
    """Nothing more can be read: no token, no connection, a timeout, or a service that keeps failing."""

    def __init__(self, kind: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint


class _TenantCredential:
    """Asks for every token in the tenant that owns the resources, so one sign-in serves every tenant."""

    def __init__(self, credential: TokenCredential, tenant_id: str) -> None:
        self._credential = credential
        self._tenant_id = tenant_id

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        kwargs.setdefault("tenant_id", self._tenant_id)
        return self._credential.get_token(*scopes, **kwargs)  # type: ignore[arg-type]

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        merged: TokenRequestOptions = {**(options or {}), "tenant_id": self._tenant_id}
        get_token_info = getattr(self._credential, "get_token_info", None)
        if get_token_info is not None:
            return get_token_info(*scopes, options=merged)
        token = self._credential.get_token(*scopes, tenant_id=self._tenant_id)
        return AccessTokenInfo(token.token, token.expires_on)


def build_credential(kind: str, endpoints: Endpoints, tenant_ids: Sequence[str]) -> TokenCredential:
    """The azure-identity credential for ``--credential``; tokens may be asked for any tenant in the config."""
    from azure.identity import (
        AzureCliCredential,
        DefaultAzureCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    allowed = sorted(set(tenant_ids))
    authority: dict[str, object] = {"authority": endpoints.authority_host}
    if endpoints.authority_overridden:
        # A private or test authority is unknown to Entra's instance discovery; trust it as given.
        authority["disable_instance_discovery"] = True
    if kind == "cli":
        return AzureCliCredential(additionally_allowed_tenants=allowed)
    if kind == "environment":
        return EnvironmentCredential(additionally_allowed_tenants=allowed, **authority)
    if kind == "managed-identity":
        return ManagedIdentityCredential()
    if kind == "workload-identity":
        return WorkloadIdentityCredential(additionally_allowed_tenants=allowed, **authority)
    if kind == "default":
        return DefaultAzureCredential(additionally_allowed_tenants=allowed, **authority)
    raise ValueError(f"unknown credential kind {kind!r}")


class ServiceClient:
    """GET JSON from one service with one scope and one tenant, through an azure-core pipeline."""

    def __init__(
        self,
        service: Service,
        base_url: str,
        scope: str,
        credential: TokenCredential,
        tenant_id: str,
        credential_kind: str,
        options: HttpOptions,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._credential_kind = credential_kind
        self._scope = scope
        self._options = options
        policies = [
            HeadersPolicy({"Accept": "application/json"}),
            UserAgentPolicy(base_user_agent=f"ppmi/{__version__}"),
            RetryPolicy(
                retry_total=options.retries,
                retry_connect=options.retries,
                retry_read=options.retries,
                retry_status=options.retries,
                retry_backoff_factor=options.retry_backoff,
                retry_backoff_max=options.retry_backoff_max,
            ),
            BearerTokenCredentialPolicy(_TenantCredential(credential, tenant_id), scope),  # type: ignore[arg-type]
        ]
        self._client: PipelineClient[HttpRequest, object] = PipelineClient(self.base_url, policies=policies)

    def get(self, url: str, params: Mapping[str, str], what: str) -> dict[str, object] | None:
        """The JSON object at ``url`` (absolute, or relative to the service), or None when it is 404."""
        absolute = url if url.startswith("https://") else f"{self.base_url}/{url.lstrip('/')}"
        request = HttpRequest("GET", absolute, params=dict(params))
        try:
            response = self._client.send_request(
                request,
                connection_timeout=self._options.timeout,
                read_timeout=self._options.timeout,
            )
        except ClientAuthenticationError as exc:
            raise EnvironmentFailure(
                "authentication",
                f"could not get a token for {self._scope} with {CREDENTIAL_CHAINS[self._credential_kind]}: "
                f"{_first_lines(exc.message)}",
                "Sign in (for example 'az login'), or pick the credential that fits this machine with --credential.",
            ) from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise EnvironmentFailure(
                "network",
                f"could not reach {self.service.name} at {self.base_url} while reading {what}: "
                f"{type(exc).__name__}: {_first_lines(str(exc))}",
                "Check the network, proxy and endpoint (--arm-endpoint, --graph-endpoint, the environment url), "
                "or raise --timeout.",
            ) from None
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise PermissionDenied(self.service, what, status, _error_detail(response.text()))
        if status == 429 or status >= 500:
            raise EnvironmentFailure(
                "service",
                f"{self.service.name} kept answering HTTP {status} while reading {what}, "
                f"also after {self._options.retries} retries: {_error_detail(response.text())}",
                "Try again later, or raise the retries with --retries.",
            )
        if status != 200:
            raise UnexpectedResponse(self.service, what, status, _error_detail(response.text()))
        try:
            document = json.loads(response.text())
        except ValueError:
            raise UnexpectedResponse(self.service, what, status, "the answer is not JSON") from None
        if not isinstance(document, dict):
            raise UnexpectedResponse(self.service, what, status, "the answer is not a JSON object")
        return document

    def get_all(self, url: str, params: Mapping[str, str], what: str) -> list[dict[str, object]] | None:
        """Every item of a paged collection (``nextLink`` or ``@odata.nextLink``), or None when it is 404."""
        items: list[dict[str, object]] = []
        for page in self._pages(url, params, what):
            if page is None:
                return None
            values = page.get("value")
            if not isinstance(values, list):
                raise UnexpectedResponse(self.service, what, 200, "the answer has no 'value' list")
            items.extend(item for item in values if isinstance(item, dict))
        return items

    def _pages(self, url: str, params: Mapping[str, str], what: str) -> Iterator[dict[str, object] | None]:
        page = self.get(url, params, what)
        yield page
        seen: set[str] = set()
        while page is not None:
            next_link = page.get("nextLink") or page.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link or next_link in seen:
                return
            if not next_link.startswith(self.base_url + "/"):
                # The bearer token goes with every request: never follow a link to another host.
                raise UnexpectedResponse(self.service, what, 200, f"the next page is on another host: {next_link}")
            seen.add(next_link)
            page = self.get(next_link, {}, what)
            yield page


def _first_lines(text: str, limit: int = 12) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:limit])


def _error_detail(body: str) -> str:
    """The service's own error code and message when it sent one (ARM, Graph and Dataverse share the shape)."""
    try:
        document = json.loads(body)
    except ValueError:
        return body.strip()[:200]
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        code = error.get("code", "")
        message = error.get("message", "")
        return f"{code}: {message}".strip(": ")
    return body.strip()[:200]


@dataclass(frozen=True)
class EndpointOverrides:
    """Command-line overrides: a cloud for every tenant, or single endpoints (private clouds, proxies, tests)."""

    cloud: Cloud | None = None
    arm: str | None = None
    graph: str | None = None
    authority_host: str | None = None


class Connections:
    """One client per (service, tenant), built on first use; credentials are shared per authority host."""

    def __init__(
        self,
        config: Config,
        credential_kind: str,
        overrides: EndpointOverrides,
        options: HttpOptions,
    ) -> None:
        self._config = config
        self._credential_kind = credential_kind
        self._overrides = overrides
        self._options = options
        self._tenant_ids = [tenant.tenant_id for tenant in config.tenants.values()]
        self._credentials: dict[str, TokenCredential] = {}
        self._clients: dict[tuple[str, str], ServiceClient] = {}

    def endpoints(self, tenant_key: str) -> Endpoints:
        tenant = self._config.tenants[tenant_key]
        return endpoints_for(
            self._overrides.cloud or tenant.cloud,
            arm=self._overrides.arm,
            graph=self._overrides.graph,
            authority_host=self._overrides.authority_host,
        )

    def arm(self, tenant_key: str) -> ServiceClient:
        base = self.endpoints(tenant_key).arm
        return self._client(ARM, base, f"{base}/.default", tenant_key)

    def graph(self, tenant_key: str) -> ServiceClient:
        base = self.endpoints(tenant_key).graph
        return self._client(GRAPH, base, f"{base}/.default", tenant_key)

    def dataverse(self, url: str, tenant_key: str) -> ServiceClient:
        base = url.rstrip("/")
        return self._client(DATAVERSE, base, f"{base}/.default", tenant_key)

    def _client(self, service: Service, base: str, scope: str, tenant_key: str) -> ServiceClient:
        key = (base, tenant_key)
        if key not in self._clients:
            endpoints = self.endpoints(tenant_key)
            self._clients[key] = ServiceClient(
                service,
                base,
                scope,
                self._credential(endpoints),
                self._config.tenants[tenant_key].tenant_id,
                self._credential_kind,
                self._options,
            )
        return self._clients[key]

    def _credential(self, endpoints: Endpoints) -> TokenCredential:
        if endpoints.authority_host not in self._credentials:
            try:
                credential = build_credential(self._credential_kind, endpoints, self._tenant_ids)
            except ValueError as exc:  # azure-identity's way of saying a required setting is missing
                raise EnvironmentFailure(
                    "authentication",
                    f"cannot set up {CREDENTIAL_CHAINS[self._credential_kind]}: {_first_lines(str(exc))}",
                    "Set the variables this credential reads, or pick another one with --credential.",
                ) from None
            self._credentials[endpoints.authority_host] = credential
        return self._credentials[endpoints.authority_host]
