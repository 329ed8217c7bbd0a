"""Write the provider schema fixtures the conformance test checks the hand-written wrappers against.

The prebuilt CDK provider packages (cdktn-provider-azurerm, cdktn-provider-azuread) are generated
from the providers' Terraform schemas; their jsii assemblies (``.jsii`` JSON inside the package's
tarball) keep, for every attribute, the camelCase property, its type, whether it is optional, and a
docs link whose anchor is the Terraform name (``.../docs/resources/user_assigned_identity#client_id``).
This script installs the packages into a throw-away venv under a temp dir (never the project venv),
reads only the resource types ppmi emits, and writes small JSON files to
tests/fixtures/provider_schemas/. Run: ``python3 scripts/extract_provider_schemas.py``.

The microsoft/power-platform provider has no prebuilt package, so it has no fixture here.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import venv
from importlib.metadata import PathDistribution
from pathlib import Path

PACKAGES = {
    "azurerm": (
        "cdktn-provider-azurerm",
        [
            "azurerm_user_assigned_identity",
            "azurerm_federated_identity_credential",
            "azurerm_key_vault_access_policy",
            "azurerm_role_assignment",
        ],
    ),
    "azuread": (
        "cdktn-provider-azuread",
        [
            "azuread_application_registration",
            "azuread_service_principal",
            "azuread_application_federated_identity_credential",
        ],
    ),
}
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "provider_schemas"
LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/([^/]+)/([^/]+)/([^/]+)/docs(?:/resources/([a-z0-9_]+))?(?:#([a-z0-9_]+))? ")
META_ARGUMENTS = "TerraformMetaArguments"


def install(workdir: Path, packages: list[str]) -> Path:
    environment = workdir / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    subprocess.run(
        [str(environment / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", *packages], check=True
    )
    (site_packages,) = (environment / "lib").glob("python*/site-packages")
    return site_packages


def read_assembly(site_packages: Path, package: str) -> tuple[str, dict]:
    (dist_info,) = site_packages.glob(f"{package.replace('-', '_')}-*.dist-info")
    version = PathDistribution(dist_info).version
    (tarball,) = (site_packages / package.replace("-", "_")).glob("_jsii/*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/.jsii")
        assert member is not None
        return version, json.load(member)


def _docs_link(docs: dict) -> re.Match[str] | None:
    return LINK.search(" ".join(str(docs.get(part, "")) for part in ("summary", "remarks")) + " ")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Schema:
    def __init__(self, assembly: dict) -> None:
        self.types: dict[str, dict] = assembly["types"]

    def type_of(self, reference: dict) -> tuple[str, dict | None]:
        """A Terraform-ish type name and, for nested blocks, their attributes."""
        if "primitive" in reference:
            return {"boolean": "bool", "json": "any"}.get(reference["primitive"], reference["primitive"]), None
        if "union" in reference:
            choices = [t for t in reference["union"]["types"] if t.get("fqn") != "cdktn.IResolvable"]
            return self.type_of(choices[0]) if len(choices) == 1 else ("any", None)
        if "collection" in reference:
            element, nested = self.type_of(reference["collection"]["elementtype"])
            return f"{reference['collection']['kind'].replace('array', 'list')}({element})", nested
        declared = self.types.get(reference["fqn"])
        if declared is not None and declared.get("datatype"):
            return "block", self.attributes(declared)
        return "any", None

    def attributes(self, struct: dict) -> dict[str, dict]:
        attributes = {}
        for prop in struct.get("properties", []):
            link = _docs_link(prop.get("docs", {}))
            name = link.group(5) if link and link.group(5) else _snake(prop["name"])
            kind, nested = self.type_of(prop["type"])
            docs = prop.get("docs", {})
            text = f"{docs.get('summary', '')} {docs.get('remarks', '')}".lower()
            entry: dict[str, object] = {
                "type": kind,
                "required": not prop.get("optional", False),
                "deprecated": "deprecated" in docs or "is deprecated" in text or "will be removed" in text,
            }
            if nested is not None:
                entry["attributes"] = nested
            attributes[name] = entry
        return dict(sorted(attributes.items()))

    def exported(self, cls: dict, config_names: set[str]) -> list[str]:
        """Readable attributes: the class getters (``clientId``), not the ``...Input`` mirrors nor statics."""
        names = {
            _snake(p["name"])
            for p in cls.get("properties", [])
            if not p.get("static") and not p["name"].endswith("Input")
        }
        return sorted(names | config_names)

    def config_of(self, cls: dict) -> dict:
        config = next(p for p in cls["initializer"]["parameters"] if p["name"] == "config")
        return self.types[config["type"]["fqn"]]

    def resource_class(self, resource_type: str) -> dict:
        for declared in self.types.values():
            link = _docs_link(declared.get("docs", {})) if declared.get("kind") == "class" else None
            if link and link.group(4) and declared["docs"]["summary"].endswith(f" {resource_type}}}."):
                return declared
        raise KeyError(f"no class for {resource_type}")

    def provider_class(self) -> tuple[dict, str, str]:
        for declared in self.types.values():
            if declared.get("kind") == "class" and declared.get("base", "").endswith(".TerraformProvider"):
                link = _docs_link(declared["docs"])
                assert link is not None
                return declared, f"{link.group(1)}/{link.group(2)}", link.group(3)
        raise KeyError("no provider class")


def extract(provider: str, package: str, package_version: str, assembly: dict, resource_types: list[str]) -> dict:
    schema = Schema(assembly)
    provider_class, source, provider_version = schema.provider_class()
    resources = {}
    for resource_type in resource_types:
        cls = schema.resource_class(resource_type)
        attributes = schema.attributes(schema.config_of(cls))
        resources[resource_type] = {"attributes": attributes, "exported": schema.exported(cls, set(attributes))}
    return {
        "package": package,
        "package_version": package_version,
        "provider": provider,
        "source": source,
        "provider_version": provider_version,
        "provider_config": {"attributes": schema.attributes(schema.config_of(provider_class))},
        "resources": resources,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ppmi-provider-schemas-") as workdir:
        site_packages = install(Path(workdir), [package for package, _ in PACKAGES.values()])
        args.out.mkdir(parents=True, exist_ok=True)
        for provider, (package, resource_types) in PACKAGES.items():
            package_version, assembly = read_assembly(site_packages, package)
            document = extract(provider, package, package_version, assembly, resource_types)
            target = args.out / f"{provider}.json"
            target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            print(f"{target}: {package} {package_version} (provider {document['source']} {document['provider_version']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
