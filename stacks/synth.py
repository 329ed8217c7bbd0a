"""Synthesize a validated config to ``cdktf.out/``: all or nothing, byte-identical for the same config.

The CDK writes into a fresh folder next to the target; only when every stack is written and
canonicalized does that folder replace the target, so a failure never leaves or alters ``cdktf.out/``.
Canonical JSON (sorted keys, two-space indentation, one trailing newline, no library version in the
``//`` metadata) makes cdktf and cdktn output byte-identical and diffs reviewable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from stacks import cdk
from stacks.tenant_stack import StackCounts, build_tenant_stack
from validators.model import Config

DEFAULT_OUTDIR = "cdktf.out"
OUTDIR_VARIABLE = "CDKTF_OUTDIR"
"""Set by the cdktf CLI when it runs ``main.py``; honoured so ``cdktf synth``/``deploy`` find the output."""


_COUNTERS = (
    ("identities", "identity"),
    ("credentials", "credential"),
    ("grants", "grant"),
    ("records", "record"),
    ("links", "link"),
)


@dataclass
class SynthSummary:
    outdir: Path
    library: str
    stacks: dict[str, StackCounts] = field(default_factory=dict)

    def total(self, counter: str) -> int:
        return sum(getattr(counts, counter) for counts in self.stacks.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "outdir": str(self.outdir),
            "stacks": {
                name: {
                    "path": f"stacks/{name}/cdk.tf.json",
                    "identities": counts.identities,
                    "credentials": counts.credentials,
                    "grants": counts.grants,
                    "records": counts.records,
                    "links": counts.links,
                }
                for name, counts in sorted(self.stacks.items())
            },
            "totals": {
                counter: self.total(counter) for counter in ("identities", "credentials", "grants", "records", "links")
            },
        }


    def describe(self) -> str:
        """Two or more lines for people: what was written where."""
        totals = ", ".join(
            f"{self.total(plural)} {plural if self.total(plural) != 1 else singular}" for plural, singular in _COUNTERS
        )
        plural = "s" if len(self.stacks) != 1 else ""
        lines = [f"synthesized {len(self.stacks)} stack{plural} to {self.outdir}: {totals}"]
        lines += [f"  {self.outdir}/stacks/{name}/cdk.tf.json" for name in sorted(self.stacks)]
        return "\n".join(lines)


def default_outdir() -> Path:
    return Path(os.environ.get(OUTDIR_VARIABLE) or DEFAULT_OUTDIR)


def canonical_json(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def canonicalize_stack(document: dict[str, object]) -> dict[str, object]:
    """Drop what depends on the CDK library rather than the config: the ``//`` metadata ``version``."""
    comment = document.get("//")
    if isinstance(comment, dict):
        metadata = comment.get("metadata")
        if isinstance(metadata, dict):
            metadata.pop("version", None)
    return document


def _canonicalize_tree(root: Path) -> None:
    for path in sorted(root.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "cdk.tf.json":
            document = canonicalize_stack(document)
        path.write_text(canonical_json(document), encoding="utf-8")


def build_app(config: Config, outdir: Path) -> tuple[object, dict[str, StackCounts]]:
    app = cdk.App(outdir=str(outdir), stack_traces=False)
    counts = {tenant.key: build_tenant_stack(app, config, tenant) for tenant in sorted(config.tenants.values(), key=lambda t: t.key)}
    return app, counts


SYNTHESIZED_FILES = {"cdk.tf.json"}


def _carry_over_working_files(previous: Path, staged: Path) -> None:
    """Keep what Terraform left in each stack folder (local state, ``.terraform/``, lock file, plans).

    The local backend's state lives in ``stacks/<tenant>/``; replacing the folder without these would
    lose it. A stack whose tenant left the config keeps its folder with the state and no ``cdk.tf.json``.
    """
    stacks = previous / "stacks"
    if not stacks.is_dir():
        return
    for stack in sorted(p for p in stacks.iterdir() if p.is_dir()):
        for entry in sorted(stack.iterdir()):
            if entry.name in SYNTHESIZED_FILES:
                continue
            destination = staged / "stacks" / stack.name / entry.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.exists():
                os.replace(entry, destination)


def _swap_in(staged: Path, target: Path) -> None:
    """Replace ``target`` with ``staged`` by two renames on one file system; the old tree is removed last."""
    retired: Path | None = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, retired / target.name)
    os.replace(staged, target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def synthesize(config: Config, outdir: Path | None = None) -> SynthSummary:
    """Write one ``stacks/<tenant>/cdk.tf.json`` per tenant under ``outdir``, replacing it only on success."""
    given = Path(outdir) if outdir is not None else default_outdir()
    target = given if given.is_absolute() else Path.cwd() / given
    target.parent.mkdir(parents=True, exist_ok=True)
    staging_root = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        staged = staging_root / target.name
        app, counts = build_app(config, staged)
        app.synth()
        _canonicalize_tree(staged)
        _carry_over_working_files(target, staged)
        _swap_in(staged, target)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    return SynthSummary(outdir=given, library=cdk.NAME, stacks=counts)
