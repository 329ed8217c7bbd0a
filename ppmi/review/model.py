"""One normalized model of planned resource changes, whatever they were read from.

A synthesized ``cdk.tf.json`` and a Terraform plan (``terraform show -json``) say different things in
different shapes; the rules and renderers read only this model. Values are already safe to print:
sensitive ones are replaced by ``Marker.SENSITIVE`` and values Terraform cannot know yet by
``Marker.UNKNOWN``, so no renderer can leak a secret by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Mapping, Union


class Marker(Enum):
    """A value that must not, or cannot, be shown."""

    UNKNOWN = "(known after apply)"
    SENSITIVE = "(sensitive)"

    def __str__(self) -> str:
        return self.value


Value = Union[str, int, float, bool, None, Marker, list["Value"], dict[str, "Value"]]
"""A resource attribute: JSON with markers where a value is unknown or sensitive."""

Attributes = Mapping[str, Value]


class Action(str, Enum):
    """What Terraform will do to a resource, from ``change.actions`` of the plan format."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NO_OP = "no-op"
    READ = "read"


def action_from_terraform(actions: list[str] | tuple[str, ...]) -> Action | None:
    """``["delete","create"]`` and ``["create","delete"]`` are both a replacement; None for anything else."""
    known = {
        ("create",): Action.CREATE,
        ("update",): Action.UPDATE,
        ("delete", "create"): Action.REPLACE,
        ("create", "delete"): Action.REPLACE,
        ("delete",): Action.DELETE,
        ("no-op",): Action.NO_OP,
        ("read",): Action.READ,
    }
    return known.get(tuple(actions))


@dataclass(frozen=True)
class ResourceChange:
    """One resource instance and what happens to it.

    ``references`` maps a top-level attribute to the configuration addresses of the resources its
    expression refers to (``azurerm_user_assigned_identity.reader``): how a credential is tied to
    its identity when the identity's ``id`` is not known yet.
    """

    address: str
    config_address: str
    type: str
    name: str
    action: Action
    before: Attributes | None
    after: Attributes | None
    changed: tuple[str, ...] = ()
    """Top-level attributes whose value changes or becomes unknown."""
    replace_paths: tuple[str, ...] = ()
    action_reason: str | None = None
    references: Mapping[str, tuple[str, ...]] | None = None
    replace_order: str | None = None
    """``delete_before_create`` or ``create_before_destroy`` for a replacement."""
    deposed: str | None = None
    construct_path: str | None = None
    """The cdktf construct path (``contoso/reader/identity``) when the input carries it."""

    @property
    def current(self) -> Attributes:
        """The values after the change, or before it for a deletion."""
        if self.after is not None:
            return self.after
        return self.before or {}

    def value(self, attribute: str) -> Value:
        return self.current.get(attribute)

    def before_value(self, attribute: str) -> Value:
        return (self.before or {}).get(attribute)

    def refers_to(self, attribute: str, config_address: str) -> bool:
        return config_address in (self.references or {}).get(attribute, ())

    @property
    def survives(self) -> bool:
        """True when the resource exists after apply."""
        return self.action not in (Action.DELETE, Action.READ)


@dataclass(frozen=True)
class Stack:
    """The changes of one Terraform root module: a cdktf stack or one plan."""

    name: str
    source: str
    kind: str
    """``synth`` (every resource a planned create) or ``plan``."""
    changes: tuple[ResourceChange, ...]
    terraform_version: str | None = None
    format_version: str | None = None

    def of_type(self, *types: str) -> list[ResourceChange]:
        return [c for c in self.changes if c.type in types]
