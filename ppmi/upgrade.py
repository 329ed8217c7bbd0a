"""Move identities from the v1 to the v2 credential format in the documented safe order.

domain.md section 4 (learn.microsoft.com/power-platform/admin/set-up-managed-identity): add the v2
credential, then set ``version`` 2 on the Dataverse record, verify, then remove the v1 credential.
Each step is a config change deployed on its own:

- phase 1: ``fic_formats: [v1, v2]`` with ``record_version: 1`` (both credentials exist, v1 in use);
- phase 2: ``record_version: 2`` (the platform presents v2; v1 stays as the way back);
- phase 3: ``fic_formats: [v2]``.

The phase an identity is in follows from its config alone, so ``auto`` proposes each identity's next
step and running the same explicit phase twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ppmi.config_edit import ConfigDocument, append_item, insert_after, new_seq, remove_item
from validators.fic import MAX_CREDENTIALS_PER_IDENTITY, CertificateMatch, FicFormat
from validators.findings import Finding, error
from validators.model import Config, Identity


class Phase(IntEnum):
    ADD_V2 = 1
    SWITCH_RECORD = 2
    REMOVE_V1 = 3


PHASE_TITLES = {
    Phase.ADD_V2: "add the v2 credentials next to v1 (record_version stays 1)",
    Phase.SWITCH_RECORD: "set record_version 2: the Dataverse record selects the v2 credentials",
    Phase.REMOVE_V1: "remove the v1 credentials",
}

DONE = "done"
UNSUPPORTED = "unsupported"


def next_phase(identity: Identity) -> Phase | str:
    """The step this identity needs next, ``done`` when it is on v2 only, ``unsupported`` when v0 is involved."""
    formats = set(identity.fic_formats)
    if formats == {FicFormat.V2}:
        return DONE
    if formats == {FicFormat.V1}:
        return Phase.ADD_V2
    if formats == {FicFormat.V1, FicFormat.V2}:
        return Phase.SWITCH_RECORD if identity.record_version == 1 else Phase.REMOVE_V1
    return UNSUPPORTED


@dataclass(frozen=True)
class IdentityStep:
    """One identity's place in the upgrade and what this run does to it."""

    identity_key: str
    fic_formats: tuple[str, ...]
    record_version: int
    next: str
    """``1``/``2``/``3``, ``done`` or ``unsupported``: the step the config shows is due."""
    applied: int | None
    """The phase this run applies, or None (already done, not due, or refused)."""
    credentials_before: int
    credentials_after: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "identity": self.identity_key,
            "fic_formats": list(self.fic_formats),
            "record_version": self.record_version,
            "next_phase": self.next,
            "applied_phase": self.applied,
            "credentials_before": self.credentials_before,
            "credentials_after": self.credentials_after,
            "notes": list(self.notes),
        }


@dataclass
class UpgradePlan:
    requested_phase: str
    steps: list[IdentityStep] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "to": FicFormat.V2.value,
            "phase": self.requested_phase,
            "identities": [step.to_dict() for step in self.steps],
        }

    def describe(self) -> str:
        lines = [f"Upgrade to v2 (phase {self.requested_phase}):"]
        if not self.steps:
            lines.append("  No identity to upgrade.")
        for step in self.steps:
            state = f"fic_formats [{', '.join(step.fic_formats)}], record_version {step.record_version}"
            if step.applied is not None:
                action = f"phase {step.applied}: {PHASE_TITLES[Phase(step.applied)]}"
                count = f"; credentials {step.credentials_before} -> {step.credentials_after}"
            elif step.next == DONE:
                action, count = "done: v2 only", ""
            elif step.next == UNSUPPORTED:
                action, count = "skipped: only v1 -> v2 is planned here", ""
            else:
                action, count = f"next is phase {step.next}", ""
            lines.append(f"  {step.identity_key} ({state}): {action}{count}")
            lines.extend(f"      {note}" for note in step.notes)
        return "\n".join(lines)


def _phase_notes(config: Config, identity: Identity, phase: Phase) -> tuple[str, ...]:
    stack = identity.tenant_key
    if phase is Phase.ADD_V2:
        if _credentials_after(config, identity, phase) == len(identity.credentials):
            return (
                "No credential to add: this identity's certificates are self-signed, and a self-signed subject "
                "(h/<SHA-256>) is the same in v1 and v2, so its credentials already serve v2. Run phase 2 next.",
            )
        return (
            f"Deploy stack {stack}; wait until the new credentials work (AADSTS70021 right after creation is "
            "propagation), then run phase 2.",
        )
    if phase is Phase.SWITCH_RECORD:
        managed = {binding.environment_key: binding.record_id for binding in identity.dataverse}
        notes = []
        for environment_key in identity.environment_keys:
            if environment_key in managed:
                notes.append(
                    f"{environment_key}: deploying stack {stack} sets version 2 on record {managed[environment_key]}."
                )
            else:
                url = config.environments[environment_key].url or "https://<organization url>"
                notes.append(
                    f"{environment_key}: set version 2 on the managedidentity record by hand: PATCH "
                    f"{url.rstrip('/')}/api/data/v9.2/managedidentities(<managedidentityid>) {{\"version\": 2}}."
                )
        notes.append(
            f"Verify before phase 3: ppmi verify CONFIG, and run a plug-in that calls AcquireToken in each of "
            f"{', '.join(identity.environment_keys)}; to go back, set record_version 1 again."
        )
        return tuple(notes)
    return (f"Deploy stack {stack}: it deletes the credentials only v1 used (CA-issued certificates).",)


def _credentials_after(config: Config, identity: Identity, phase: Phase) -> int:
    """Credentials once ``phase`` is deployed. A self-signed certificate has one subject in v1 and v2, so
    its credential serves both formats and is neither added in phase 1 nor removed in phase 3."""
    v1_only = [credential for credential in identity.credentials if credential.fic_formats == (FicFormat.V1,)]
    if phase is Phase.ADD_V2:
        differ = [c for c in v1_only if config.certificates[c.certificate_key].identity.match is not CertificateMatch.HASH]
        return len(identity.credentials) + len(differ)
    if phase is Phase.REMOVE_V1:
        return len(identity.credentials) - len(v1_only)
    return len(identity.credentials)


def _select(config: Config, identity_keys: list[str], plan: UpgradePlan) -> list[Identity]:
    if not identity_keys:
        return list(config.identities.values())
    selected = []
    for key in dict.fromkeys(identity_keys):
        if key in config.identities:
            selected.append(config.identities[key])
            continue
        plan.findings.append(
            error(
                "upgrade.unknown_identity",
                f"There is no identity {key!r} in the config.",
                f"Use one of the identity keys: {', '.join(config.identities) or 'none'}.",
                location="--identity",
                value=key,
            )
        )
    return selected


def _step(
    config: Config, identity: Identity, due: Phase | str, applied: Phase | None = None, notes: tuple[str, ...] = ()
) -> IdentityStep:
    return IdentityStep(
        identity_key=identity.key,
        fic_formats=tuple(f.value for f in identity.fic_formats),
        record_version=identity.record_version,
        next=str(int(due)) if isinstance(due, Phase) else due,
        applied=int(applied) if applied is not None else None,
        credentials_before=len(identity.credentials),
        credentials_after=_credentials_after(config, identity, applied) if applied is not None else len(identity.credentials),
        notes=notes,
    )


def _unsupported(identity: Identity) -> Finding:
    formats = ", ".join(f.value for f in identity.fic_formats)
    return error(
        "upgrade.unsupported_format",
        f"Identity {identity.key!r} uses fic_formats [{formats}]; ppmi upgrade plans the move from v1 to v2.",
        "Move the identity to v1 or v2 by hand first (the deprecated v0 has no safe in-place path), "
        "or leave it out of --identity.",
        location=f"identities.{identity.key}.fic_formats",
    )


def _out_of_order(identity: Identity, wanted: Phase, due: Phase) -> Finding:
    return error(
        "upgrade.out_of_order",
        f"Identity {identity.key!r} cannot take phase {int(wanted)} yet: it needs phase {int(due)} "
        f"({PHASE_TITLES[due]}) first.",
        f"Run 'ppmi upgrade CONFIG --to v2 --phase {int(due)}' (or --phase auto), deploy, and continue from there; "
        "skipping a phase breaks plug-in tokens with AADSTS700213.",
        location=f"identities.{identity.key}",
    )


def _over_limit(identity: Identity, after: int) -> Finding:
    return error(
        "upgrade.credential_limit",
        f"Identity {identity.key!r} would need {after} federated credentials during the upgrade "
        f"({len(identity.credentials)} now, v1 and v2 side by side); Entra ID allows at most "
        f"{MAX_CREDENTIALS_PER_IDENTITY} per identity.",
        "Move some environments to a second identity first (each environment and certificate needs one "
        "credential per format), or sign with fewer certificates; upgrade the other identities now with --identity.",
        location=f"identities.{identity.key}.fic_formats",
        value=str(after),
    )


def plan_upgrade(config: Config, identity_keys: list[str], phase: str = "auto") -> UpgradePlan:
    """Decide each identity's step; ``phase`` is ``auto`` or ``1``/``2``/``3`` for all selected identities.

    Identities named in ``identity_keys`` must be upgradable; without names every identity is listed and
    those on v2 only or on v0 are left alone.
    """
    plan = UpgradePlan(requested_phase=phase)
    for identity in _select(config, identity_keys, plan):
        due = next_phase(identity)
        if not isinstance(due, Phase):
            if due == UNSUPPORTED and identity_keys:
                plan.findings.append(_unsupported(identity))
            plan.steps.append(_step(config, identity, due))
            continue
        wanted = due if phase == "auto" else Phase(int(phase))
        if wanted < due:
            plan.steps.append(_step(config, identity, due, notes=(f"Phase {int(wanted)} is already done; next is phase {int(due)}.",)))
            continue
        if wanted > due:
            plan.findings.append(_out_of_order(identity, wanted, due))
            plan.steps.append(_step(config, identity, due))
            continue
        after = _credentials_after(config, identity, due)
        if after > MAX_CREDENTIALS_PER_IDENTITY:
            plan.findings.append(_over_limit(identity, after))
            plan.steps.append(_step(config, identity, due))
            continue
        plan.steps.append(_step(config, identity, due, applied=due, notes=_phase_notes(config, identity, due)))
    return plan


def _formats_node(raw: CommentedMap) -> CommentedSeq | None:
    node = raw.get("fic_formats")
    return node if isinstance(node, CommentedSeq) else None


def _anchor(raw: CommentedMap, candidates: tuple[str, ...]) -> str | None:
    """The last of ``candidates`` present in ``raw``: where a new key reads naturally."""
    present = [key for key in candidates if key in raw]
    return present[-1] if present else None


def apply_upgrade(document: ConfigDocument, plan: UpgradePlan) -> None:
    """Edit the identities the plan applies a phase to; the caller validates and writes."""
    for step in plan.steps:
        if step.applied is None:
            continue
        raw = document.data["identities"][step.identity_key]
        formats = _formats_node(raw)
        phase = Phase(step.applied)
        if phase is Phase.ADD_V2:
            if formats is None:
                after = _anchor(raw, ("kind", "name", "resource_group_name", "location"))
                insert_after(raw, after, "fic_formats", new_seq([FicFormat.V1.value, FicFormat.V2.value], flow=True))
            elif FicFormat.V2.value not in formats:
                append_item(formats, FicFormat.V2.value)
            if "record_version" in raw:
                raw["record_version"] = 1
            else:
                insert_after(raw, "fic_formats", "record_version", 1)
        elif phase is Phase.SWITCH_RECORD:
            raw["record_version"] = 2
        elif formats is not None and FicFormat.V1.value in formats:
            remove_item(formats, FicFormat.V1.value)

