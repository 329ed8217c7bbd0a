"""Reading plans (real Terraform output and hand-written documented shapes) and synth output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppmi.review.model import Action, Marker
from ppmi.review.readers import _overlay, config_address_of, read_path, read_plan, read_synth

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
REAL_PLAN = PLANS / "terraform_data.plan.json"


def changes_by_address(path: Path) -> dict:
    result = read_path(path)
    assert result.findings == ()
    (stack,) = result.stacks
    return {c.address: c for c in stack.changes}


def test_real_terraform_plan_actions() -> None:
    """The fixture comes from `terraform plan` + `terraform show -json` (scripts/make_plan_fixture.sh)."""
    changes = changes_by_address(REAL_PLAN)
    assert {address: c.action for address, c in changes.items()} == {
        "module.child.terraform_data.inner": Action.UPDATE,
        "terraform_data.created[0]": Action.CREATE,
        "terraform_data.kept": Action.NO_OP,
        "terraform_data.linked": Action.UPDATE,
        "terraform_data.removed[0]": Action.DELETE,
        "terraform_data.replaced": Action.REPLACE,
        "terraform_data.replaced_first": Action.REPLACE,
        "terraform_data.secret": Action.UPDATE,
        "terraform_data.updated": Action.UPDATE,
    }


def test_real_terraform_plan_replacement_details() -> None:
    changes = changes_by_address(REAL_PLAN)
    assert changes["terraform_data.replaced"].replace_paths == ("triggers_replace",)
    assert changes["terraform_data.replaced"].replace_order == "delete_before_create"
    assert changes["terraform_data.replaced_first"].replace_order == "create_before_destroy"
    assert changes["terraform_data.replaced"].action_reason == "replace_because_cannot_update"
    assert changes["terraform_data.removed[0]"].action_reason == "delete_because_count_index"
    assert changes["terraform_data.removed[0]"].config_address == "terraform_data.removed"


def test_real_terraform_plan_masks_sensitive_and_marks_unknown() -> None:
    changes = changes_by_address(REAL_PLAN)
    secret = changes["terraform_data.secret"]
    assert secret.after["input"] is Marker.SENSITIVE
    assert secret.before["input"] is Marker.SENSITIVE
    assert "input" in secret.changed
    assert changes["terraform_data.created[0]"].after["id"] is Marker.UNKNOWN
    assert changes["terraform_data.replaced"].after["id"] is Marker.UNKNOWN
    assert changes["terraform_data.updated"].before["input"] == "before"
    assert changes["terraform_data.updated"].after["input"] == "after"
    assert changes["terraform_data.kept"].changed == ()


def test_real_terraform_plan_references_come_from_the_configuration() -> None:
    changes = changes_by_address(REAL_PLAN)
    assert changes["terraform_data.linked"].refers_to("input", "terraform_data.replaced")
    assert changes["terraform_data.linked"].after["input"] is Marker.UNKNOWN


def test_plan_format_version_2_is_refused() -> None:
    result = read_plan({"format_version": "2.0", "resource_changes": []}, "s", "plan.json")
    assert result.stacks == ()
    assert [f.code for f in result.findings] == ["review.unsupported_plan_format"]


def test_plan_without_changes_reads_as_empty_stack() -> None:
    result = read_plan({"format_version": "1.2", "planned_values": {}}, "s", "plan.json")
    assert result.findings == () and result.stacks[0].changes == ()


def test_rejects_actions_outside_the_plan_format() -> None:
    raw = {"address": "a_b.c", "type": "a_b", "name": "c", "change": {"actions": ["delete", "update"]}}
    result = read_plan({"format_version": "1.1", "resource_changes": [raw]}, "s", "plan.json")
    assert [f.code for f in result.findings] == ["review.unrecognized_input"]


def test_data_sources_are_not_reviewed() -> None:
    raw = {"address": "data.a_b.c", "mode": "data", "type": "a_b", "name": "c", "change": {"actions": ["read"], "before": None, "after": {}}}
    result = read_plan({"format_version": "1.2", "resource_changes": [raw]}, "s", "plan.json")
    assert result.stacks[0].changes == ()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("not json", "review.unreadable_input"),
        ("[1, 2]", "review.unrecognized_input"),
        ('{"format_version": "1.0", "values": {}}', "review.unrecognized_input"),
        ('{"format_version": "9.0", "resource_changes": []}', "review.unsupported_plan_format"),
    ],
)
def test_rejects_files_that_are_not_plans_or_synth_output(tmp_path: Path, content: str, code: str) -> None:
    file = tmp_path / "input.json"
    file.write_text(content, encoding="utf-8")
    assert [f.code for f in read_path(file).findings] == [code]


def test_rejects_missing_path_and_empty_folder(tmp_path: Path) -> None:
    assert [f.code for f in read_path(tmp_path / "absent").findings] == ["review.input_not_found"]
    assert [f.code for f in read_path(tmp_path).findings] == ["review.no_stacks"]


SYNTH = {
    "resource": {
        "azurerm_user_assigned_identity": {"identity_reader": {"name": "id-reader", "lifecycle": {"prevent_destroy": True}}},
        "azurerm_federated_identity_credential": {
            "fic_reader_prod": {
                "//": {"metadata": {"path": "contoso/fic_reader_prod"}},
                "name": "prod",
                "user_assigned_identity_id": "${azurerm_user_assigned_identity.identity_reader.id}",
                "depends_on": ["azurerm_user_assigned_identity.identity_reader"],
            }
        },
    }
}


def test_synth_resources_are_creates_with_references_and_unknown_interpolations() -> None:
    stack = read_synth(SYNTH, "contoso", "cdk.tf.json")
    changes = {c.address: c for c in stack.changes}
    fic = changes["azurerm_federated_identity_credential.fic_reader_prod"]
    assert fic.action is Action.CREATE
    assert fic.after == {"name": "prod", "user_assigned_identity_id": Marker.UNKNOWN}
    assert fic.refers_to("user_assigned_identity_id", "azurerm_user_assigned_identity.identity_reader")
    assert fic.construct_path == "contoso/fic_reader_prod"
    assert "lifecycle" not in changes["azurerm_user_assigned_identity.identity_reader"].after


def test_synth_folder_layouts(tmp_path: Path) -> None:
    for name in ("contoso", "fabrikam"):
        folder = tmp_path / "cdktf.out" / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(SYNTH), encoding="utf-8")
    assert [s.name for s in read_path(tmp_path / "cdktf.out").stacks] == ["contoso", "fabrikam"]
    assert [s.name for s in read_path(tmp_path / "cdktf.out" / "stacks").stacks] == ["contoso", "fabrikam"]
    assert [s.name for s in read_path(tmp_path / "cdktf.out" / "stacks" / "fabrikam").stacks] == ["fabrikam"]
    assert [s.name for s in read_path(tmp_path / "cdktf.out" / "stacks" / "contoso" / "cdk.tf.json").stacks] == ["contoso"]


@pytest.mark.parametrize(
    ("address", "config_address"),
    [
        ("azurerm_x.y", "azurerm_x.y"),
        ("azurerm_x.y[0]", "azurerm_x.y"),
        ('module.a["k"].azurerm_x.y["z"]', "module.a.azurerm_x.y"),
    ],
)
def test_config_address(address: str, config_address: str) -> None:
    assert config_address_of(address) == config_address


SECRET_PREFIX = "secret-"
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet="abc", max_size=4))
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(alphabet="xyz", min_size=1, max_size=3), inner, max_size=3)),
    max_leaves=12,
)


def _with_secrets(draw: st.DrawFn, value: object) -> tuple[object, object]:
    """The value with some leaves replaced by secrets, and the matching sensitivity structure."""
    if isinstance(value, dict):
        pairs = {k: _with_secrets(draw, v) for k, v in value.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(value, list):
        pairs = [_with_secrets(draw, v) for v in value]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if draw(st.booleans()):
        return SECRET_PREFIX + str(value), True
    return value, False


@st.composite
def sensitive_documents(draw: st.DrawFn) -> tuple[object, object]:
    return _with_secrets(draw, draw(values))


@settings(max_examples=150, deadline=None)
@given(sensitive_documents())
def test_sensitive_values_never_survive_masking(document: tuple[object, object]) -> None:
    value, sensitive = document
    masked = _overlay(value, None, sensitive)
    assert SECRET_PREFIX not in json.dumps(masked, default=str)


@settings(max_examples=150, deadline=None)
@given(values)
def test_masking_without_marks_keeps_the_value(value: object) -> None:
    assert _overlay(value, None, None) == value
