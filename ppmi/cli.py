"""The ``ppmi`` command line: parse arguments, run one command, render its result.

Exit codes (``ppmi.exit_codes``): 0 ok, 1 findings, 2 usage/config/IO, 3 environment, 4 internal.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from ppmi import __version__, exit_codes
from ppmi.output import CommandResult, render
from validators.findings import error

COMMANDS: dict[str, str] = {
    "validate": "check a config and report every finding at once",
    "fic": "print the issuer, subject and audience for one environment and certificate",
    "decode": "explain an issuer or subject, and what is wrong with it",
    "synth": "validate a config and synthesize the Terraform stacks to cdktf.out/",
    "review": "review synthesized stacks or a Terraform plan for managed identity risks",
    "clone": "give a new environment, in any tenant, the set-up of an existing one",
    "upgrade": "plan the safe move of identities from the v1 to the v2 credential format",
    "verify": "check live Azure and Dataverse state against the config (read-only)",
}
FORMATS = ("text", "json")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An argparse parser that reports usage errors as values, so JSON mode still prints JSON."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _requested_format(argv: Sequence[str]) -> str:
    for index, arg in enumerate(argv):
        if arg == "--format" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--format="):
            return arg.split("=", 1)[1]
    return "text"


def _top_level_help() -> str:
    width = max(len(name) for name in COMMANDS)
    rows = "\n".join(f"  {name.ljust(width)}  {summary}" for name, summary in COMMANDS.items())
    return (
        f"usage: ppmi COMMAND [options]\n\nInfrastructure as code for Power Platform managed identity.\n\n"
        f"commands:\n{rows}\n\nRun 'ppmi COMMAND --help' for a command's options.\n"
        "Exit codes: 0 ok, 1 findings, 2 usage/config/IO error, 3 environment error, 4 internal error.\n"
    )


def build_parser(command: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(f"ppmi.commands.{command}")
    parser = _Parser(prog=f"ppmi {command}", description=getattr(module, "HELP", COMMANDS[command]))
    module.add_arguments(parser)
    if not any("--format" in action.option_strings for action in parser._actions):
        parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    return parser, module


def _usage_failure(command: str, message: str) -> CommandResult:
    finding = error("usage.invalid", message, "Run 'ppmi --help' or 'ppmi COMMAND --help' for the accepted options.")
    return CommandResult(command=command, exit_code=exit_codes.USAGE, findings=[finding])


def run(argv: Sequence[str]) -> tuple[CommandResult | None, str]:
    """Run one command; returns its result and the output format, or None when help was printed."""
    output_format = _requested_format(argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(_top_level_help())
        return None, output_format
    if argv[0] == "--version":
        sys.stdout.write(f"ppmi {__version__}\n")
        return None, output_format
    command = argv[0]
    if command not in COMMANDS:
        return _usage_failure(command, f"unknown command {command!r}; known: {', '.join(COMMANDS)}"), output_format
    parser, module = build_parser(command)
    try:
        args = parser.parse_args(list(argv[1:]))
    except UsageError as exc:
        return _usage_failure(command, str(exc)), output_format
    except SystemExit:
        return None, output_format
    output_format = getattr(args, "format", output_format)
    return module.run(args), output_format


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        result, output_format = run(argv)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: users never see a traceback
        if os.environ.get("PPMI_DEBUG"):
            raise
        command = argv[0] if argv else ""
        finding = error(
            "internal.error",
            f"ppmi failed unexpectedly: {type(exc).__name__}: {exc}",
            "Set PPMI_DEBUG=1 to see the traceback, and report it with the command that caused it.",
        )
        result, output_format = CommandResult(command=command, exit_code=exit_codes.INTERNAL, findings=[finding]), _requested_format(argv)
    if result is None:
        return exit_codes.OK
    render(result, output_format if output_format in FORMATS + ("markdown",) else "text")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
