"""A local stand-in for Entra ID, Azure Resource Manager, Microsoft Graph and Dataverse, over HTTPS on 127.0.0.1.

Each service listens on its own port with a certificate made here with ``cryptography`` and trusted only
through ``REQUESTS_CA_BUNDLE`` set by the test. Answers use the services' documented JSON shapes:
collections as ``{"value": [...], "nextLink"/"@odata.nextLink": ...}``, errors as ``{"error": {"code",
"message"}}``. Resource servers accept only a bearer token the local authority issued for their own
``{base}/.default`` scope, so a wrong scope fails like it does in Azure. Faults (429, 500, delays) are
queued per service and path fragment; every request is recorded for the assertions.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ARM_API_VERSIONS = {
    "Microsoft.ManagedIdentity": "2023-01-31",
    "Microsoft.KeyVault": "2023-07-01",
    "Microsoft.Authorization": "2022-04-01",
}
PAGE_SIZE = 2
"""Small pages, so every collection with more than two items is read through its next link."""


def make_tls_files(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files; the certificate is the trust anchor."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ppmi verify test server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "server.pem"
    key_path = directory / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Fault:
    """Answer the next ``times`` matching requests with this status (after ``delay`` seconds) instead."""

    service: str
    path_contains: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    service: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


@dataclass
class FakeCloud:
    """What the services hold: documents and collections by (service, lower-case path)."""

    documents: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    collections: dict[tuple[str, str], list[dict[str, object]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    issued_tokens: dict[str, str] = field(default_factory=dict)
    """access token -> the scope it was issued for."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, service: str, path: str, document: dict[str, object]) -> None:
        self.documents[(service, path.lower())] = document

    def put_collection(self, service: str, path: str, items: list[dict[str, object]]) -> None:
        self.collections[(service, path.lower())] = items

    def take_fault(self, service: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.service == service and fault.path_contains in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def requests_to(self, service: str) -> list[Recorded]:
        return [r for r in self.requests if r.service == service]


_FILTER = re.compile(r"^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|([0-9a-fA-F-]+))\s*$")


def _matches(item: dict[str, object], odata_filter: str | None) -> bool:
    """The one filter form verify sends: ``field eq 'text'`` or ``field eq guid``, on the item or its properties."""
    if not odata_filter:
        return True
    match = _FILTER.match(odata_filter)
    if match is None:
        raise ValueError(f"unsupported $filter {odata_filter!r}")
    name, quoted, bare = match.groups()
    wanted = quoted.replace("''", "'") if quoted is not None else bare
    properties = item.get("properties")
    value = item.get(name, properties.get(name) if isinstance(properties, dict) else None)
    return isinstance(value, str) and value.lower() == wanted.lower()


class _Handler(BaseHTTPRequestHandler):
    server: "_ServiceServer"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout test): nothing left to answer
            return

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": {"code": code, "message": message}}, headers)

    def _record(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        cloud = self.server.cloud
        with cloud.lock:
            cloud.requests.append(
                Recorded(self.server.service, self.command, parts.path, query, dict(self.headers.items()), time.monotonic())
            )
        return parts.path, query

    def do_POST(self) -> None:
        path, _ = self._record()
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        if self.server.service != "authority" or not path.endswith("/oauth2/v2.0/token"):
            self._error(405, "MethodNotAllowed", "verify must only read")
            return
        if not (form.get("client_assertion") or form.get("client_secret")):
            self._error(400, "invalid_client", "AADSTS7000216: client_assertion or client_secret is required")
            return
        scope = form.get("scope", [""])[0]
        cloud = self.server.cloud
        with cloud.lock:
            token = f"test-access-token-{len(cloud.issued_tokens) + 1}"
            cloud.issued_tokens[token] = scope
        self._send(200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token})

    def do_GET(self) -> None:
        path, query = self._record()
        service = self.server.service
        if service == "authority":
            self._openid_configuration(path)
            return
        fault = self.server.cloud.take_fault(service, path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            self._error(fault.status, "TestFault", f"fault injected for {path}", fault.headers)
            return
        scope = self.server.cloud.issued_tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
        if scope != f"{self.server.base_url}/.default":
            self._error(401, "InvalidAuthenticationToken", f"the token is not for {self.server.base_url}")
            return
        if service == "arm" and not self._arm_api_version_ok(path, query):
            return
        key = (service, path.lower())
        cloud = self.server.cloud
        if key in cloud.documents:
            self._send(200, cloud.documents[key])
            return
        if key not in cloud.collections:
            self._error(404, "ResourceNotFound", f"{path} was not found")
            return
        items = [item for item in cloud.collections[key] if _matches(item, query.get("$filter", [None])[0])]
        start = int(query.get("$skiptoken", ["0"])[0])
        page: dict[str, object] = {"value": items[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(items):
            link_query = "&".join(f"{k}={v[0]}" for k, v in sorted(query.items()) if k != "$skiptoken")
            link = f"{self.server.base_url}{path}?{link_query}&$skiptoken={start + PAGE_SIZE}".replace(" ", "%20")
            page["@odata.nextLink" if service != "arm" else "nextLink"] = link
        self._send(200, page)

    def _arm_api_version_ok(self, path: str, query: dict[str, list[str]]) -> bool:
        providers = re.findall(r"/providers/([^/]+)", path)
        wanted = ARM_API_VERSIONS.get(providers[-1]) if providers else None
        given = query.get("api-version", [None])[0]
        if wanted is not None and given != wanted:
            self._error(400, "InvalidApiVersionParameter", f"api-version {given!r} is not {wanted!r} here")
            return False
        return True

    def _openid_configuration(self, path: str) -> None:
        match = re.match(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$", path)
        if match is None:
            self._error(404, "not_found", path)
            return
        base = f"{self.server.base_url}/{match.group(1)}"
        self._send(
            200,
            {
                "issuer": f"{base}/v2.0",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "response_types_supported": ["code", "id_token", "token"],
            },
        )


class _ServiceServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, service: str, cloud: FakeCloud, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.service = service
        self.cloud = cloud
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.base_url = f"https://127.0.0.1:{self.server_address[1]}"


class FakeServices:
    """The four services, started together and stopped together (use as a context manager)."""

    SERVICES = ("authority", "arm", "graph", "dataverse")

    def __init__(self, directory: Path) -> None:
        self.cert_path, key_path = make_tls_files(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self.cloud = FakeCloud()
        self._servers = {service: _ServiceServer(service, self.cloud, context) for service in self.SERVICES}
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
            for server in self._servers.values()
        ]

    def url(self, service: str) -> str:
        return self._servers[service].base_url

    @property
    def authority_host(self) -> str:
        return self.url("authority").removeprefix("https://")

    def __enter__(self) -> "FakeServices":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
