"""``microsoft/power-platform``: the Dataverse ``managedidentity`` record and plug-in links.

There is no prebuilt CDK package for this provider, so no generated schema to check against; the
attribute names follow the provider's own docs (github.com/microsoft/terraform-provider-power-platform,
docs/resources/data_record.md and rest.md at v4.1.0): ``powerplatform_rest`` operations carry their own
``scope`` and an absolute ``url``; ``expected_http_status`` is a set of numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from constructs import Construct

from stacks.providers.base import AttributeValue, ProviderSpec, TypedProvider, TypedResource

POWERPLATFORM = ProviderSpec(name="powerplatform", source="microsoft/power-platform", version_constraint="~> 4.0")


class PowerplatformProvider(TypedProvider):
    SPEC = POWERPLATFORM

    def __init__(
        self, parent: Construct, construct_id: str, /, *, tenant_id: str | None = None, cloud: str | None = None
    ) -> None:
        """Authentication comes from the environment (``POWER_PLATFORM_*``, e.g. ``POWER_PLATFORM_USE_CLI``)."""
        super().__init__(parent, construct_id, {"tenant_id": tenant_id, "cloud": cloud})


class DataRecord(TypedResource):
    """One Dataverse row. Never point it at a plug-in assembly: destroying it deletes the row."""

    TYPE = "powerplatform_data_record"
    PROVIDER = POWERPLATFORM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        environment_id: str,
        table_logical_name: str,
        columns: Mapping[str, AttributeValue],
        provider: TypedProvider | None = None,
        depends_on: Sequence[TypedResource] = (),
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            {"environment_id": environment_id, "table_logical_name": table_logical_name, "columns": dict(columns)},
            provider=provider,
            depends_on=depends_on,
        )


@dataclass(frozen=True)
class RestOperation:
    """One Web API call of a ``powerplatform_rest`` resource."""

    method: str
    url: str
    scope: str
    body: str | None = None
    expected_http_status: tuple[int, ...] = ()

    def to_attributes(self) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {"method": self.method, "url": self.url, "scope": self.scope}
        if self.body is not None:
            attributes["body"] = self.body
        if self.expected_http_status:
            attributes["expected_http_status"] = sorted(self.expected_http_status)
        return attributes


class Rest(TypedResource):
    TYPE = "powerplatform_rest"
    PROVIDER = POWERPLATFORM

    def __init__(
        self,
        parent: Construct,
        construct_id: str,
        /,
        *,
        create: RestOperation,
        destroy: RestOperation | None = None,
        provider: TypedProvider | None = None,
        depends_on: Sequence[TypedResource] = (),
    ) -> None:
        super().__init__(
            parent,
            construct_id,
            {"create": create.to_attributes(), "destroy": destroy.to_attributes() if destroy else None},
            provider=provider,
            depends_on=depends_on,
        )
