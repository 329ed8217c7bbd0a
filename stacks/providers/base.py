"""Typed resources and providers over the CDK's generic ``TerraformResource``/``TerraformProvider``.

Each subclass passes its Terraform attributes as a plain mapping; ``synthesizeAttributes`` returns it
as is, so the JSON holds exactly the attributes given, with Terraform's names, and nothing else
(no override bookkeeping in the ``//`` metadata).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence, Union

from constructs import Construct

from stacks import cdk

AttributeValue = Union[str, int, bool, None, Sequence["AttributeValue"], Mapping[str, "AttributeValue"]]
"""A Terraform attribute value; strings may be CDK tokens such as ``${azurerm_x.y.id}``."""


def _without_unset(attributes: Mapping[str, AttributeValue]) -> dict[str, AttributeValue]:
    """Unset optional attributes (None, empty list or map) are left out of the JSON entirely."""
    return {name: value for name, value in attributes.items() if value is not None and value != [] and value != {}}


@dataclass(frozen=True)
class ProviderSpec:
    """Where Terraform finds a provider and which releases the emitted attributes fit."""

    name: str
    source: str
    version_constraint: str

    def metadata(self) -> object:
        return cdk.TerraformProviderGeneratorMetadata(
            provider_name=self.name, provider_version_constraint=self.version_constraint
        )


class TypedProvider(cdk.TerraformProvider):
    SPEC: ProviderSpec

    def __init__(self, parent: Construct, construct_id: str, /, attributes: Mapping[str, AttributeValue]) -> None:
        super().__init__(
            parent,
            construct_id,
            terraform_resource_type=self.SPEC.name,
            terraform_provider_source=self.SPEC.source,
            terraform_generator_metadata=self.SPEC.metadata(),
        )
        self._attributes = _without_unset(attributes)

    @cdk.override(jsii_name="synthesizeAttributes")
    def _synthesize_attributes(self) -> Mapping[str, AttributeValue]:
        return self._attributes


class TypedResource(cdk.TerraformResource):
    """A resource of one Terraform type; ``TYPE`` is the Terraform type name, ``PROVIDER`` its provider."""

    TYPE: str
    PROVIDER: ProviderSpec

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        attributes: Mapping[str, AttributeValue],
        *,
        provider: TypedProvider | None = None,
        depends_on: Sequence["TypedResource"] = (),
        prevent_destroy: bool = False,
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            terraform_resource_type=self.TYPE,
            terraform_generator_metadata=self.PROVIDER.metadata(),
            provider=provider,
            depends_on=list(depends_on) or None,
            lifecycle=cdk.TerraformResourceLifecycle(prevent_destroy=True) if prevent_destroy else None,
        )
        self._attributes = _without_unset(attributes)

    @cdk.override(jsii_name="synthesizeAttributes")
    def _synthesize_attributes(self) -> Mapping[str, AttributeValue]:
        return self._attributes

    def attribute(self, name: str) -> str:
        """A token for an exported attribute: ``${<type>.<id>.<name>}`` once synthesized."""
        return self.get_string_attribute(name)

    @property
    def id(self) -> str:  # noqa: A003 - Terraform's attribute name
        return self.attribute("id")
