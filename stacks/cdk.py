"""The one module that imports the CDK library: ``cdktf`` by default, ``cdktn`` with ``PPMI_CDK=cdktn``.

cdktn (CDK Terrain, github.com/open-constructs/cdk-terrain) is the maintained fork of cdktf with the
same API under a new name, so both expose the classes below unchanged. The synthesized JSON of the
two differs only in the ``//`` metadata ``version``, which ``stacks.synth`` normalizes away.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import jsii

LIBRARY_VARIABLE = "PPMI_CDK"
LIBRARIES = ("cdktf", "cdktn")
DEFAULT_LIBRARY = "cdktf"

END_OF_LIFE_NODE_VARIABLE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
"""jsii prints a large banner on every run under a Node release it calls end-of-life (Node 20 since
2026-10-30) unless this variable lists that major version (jsii runtime ``checkNode``); the banner
would bury ppmi's own output, and Node 20 runs the CDK fine."""
SILENCED_NODE_MAJORS = "18,20"


def library_name() -> str:
    name = os.environ.get(LIBRARY_VARIABLE, DEFAULT_LIBRARY) or DEFAULT_LIBRARY
    if name not in LIBRARIES:
        raise ValueError(f"{LIBRARY_VARIABLE}={name!r} is not one of {', '.join(LIBRARIES)}")
    return name


def _load() -> ModuleType:
    os.environ.setdefault(END_OF_LIFE_NODE_VARIABLE, SILENCED_NODE_MAJORS)
    return importlib.import_module(library_name())


_library = _load()

NAME: str = _library.__name__
App = _library.App
TerraformStack = _library.TerraformStack
TerraformResource = _library.TerraformResource
TerraformProvider = _library.TerraformProvider
TerraformOutput = _library.TerraformOutput
TerraformResourceLifecycle = _library.TerraformResourceLifecycle
TerraformProviderGeneratorMetadata = _library.TerraformProviderGeneratorMetadata
LocalBackend = _library.LocalBackend
AzurermBackend = _library.AzurermBackend
Fn = _library.Fn

override = jsii.member
"""Marks a Python method as the implementation of a CDK (JavaScript) method, e.g. ``synthesizeAttributes``."""
