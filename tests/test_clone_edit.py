"""Round-trip editing (ppmi.config_edit): comments stay where they belong, indentation is the file's own,
and an edit that the loader refuses is never written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppmi.config_edit import (
    append_item,
    finish_edit,
    guess_indentation,
    insert_after,
    new_map,
    read_document,
    remove_item,
)

SAMPLE = """\
# heading
version: 1

tenants:
  contoso:   # main tenant
    tenant_id: 5f8a1a9f-2e1a-415f-b10c-84c3736a21b9
    # inside contoso

environments:
  prod:
    tenant: contoso
    environment_id: 92e1c10d-0b34-e28b-a4a8-7e3630f46a06   # from the admin center

# certificates next
certificates:
  selfsigned:
    match: hash
    sha256: 0f4c8b3a9e2d71c65a4b3f2e1d0c9b8a7f6e5d4c3b2a19087f6e5d4c3b2a1908

identities:
  reader:
    tenant: contoso
    kind: app_registration
    name: reader-app
    environments:
    - prod   # first
    # the certificates
    certificates: [selfsigned]
"""


def document_for(tmp_path: Path, text: str, name: str = "ppmi.yaml"):
    path = tmp_path / name
    path.write_text(text)
    document, findings = read_document(path)
    assert document is not None, findings
    return document


def test_round_trip_without_edits_is_byte_identical(tmp_path: Path) -> None:
    document = document_for(tmp_path, SAMPLE)
    assert document.render() == SAMPLE
    assert document.diff(document.render()) == ""


def test_comment_lines_stay_above_what_they_head(tmp_path: Path) -> None:
    document = document_for(tmp_path, SAMPLE)
    data = document.data
    insert_after(data["tenants"], "contoso", "fabrikam", new_map([("tenant_id", "72f988bf-86f1-41af-91ab-2d7cd011db47")]))
    insert_after(data["environments"], "prod", "uat", new_map([("tenant", "contoso")]))
    append_item(data["identities"]["reader"]["environments"], "uat")
    text = document.render()
    assert "    tenant_id: 5f8a1a9f-2e1a-415f-b10c-84c3736a21b9\n    # inside contoso\n  fabrikam:\n" in text
    assert "  fabrikam:\n    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47\n\nenvironments:\n" in text
    assert "  uat:\n    tenant: contoso\n\n# certificates next\ncertificates:\n" in text
    assert "    - prod   # first\n    - uat\n    # the certificates\n    certificates: [selfsigned]\n" in text


def test_removing_the_last_item_keeps_the_lines_after_it(tmp_path: Path) -> None:
    text = SAMPLE.replace("    - prod   # first\n", "    - prod\n    - test\n")
    document = document_for(tmp_path, text)
    remove_item(document.data["identities"]["reader"]["environments"], "test")
    assert "    - prod\n    # the certificates\n    certificates:" in document.render()


def test_new_top_level_section_gets_a_blank_line(tmp_path: Path) -> None:
    document = document_for(tmp_path, SAMPLE)
    insert_after(document.data, None, "key_vaults", new_map([("shared", new_map([("tenant", "contoso")]))]), blank_line_before=True)
    assert document.render().endswith("    certificates: [selfsigned]\n\nkey_vaults:\n  shared:\n    tenant: contoso\n")


INDENTATION = [
    ("a:\n  b: 1\n  c:\n  - x\n", (2, 0)),
    ("a:\n  b: 1\n  c:\n    - x\n", (2, 2)),
    ("a:\n    b: 1\n    c:\n    - x\n", (4, 0)),
    ("a:   # note\n   b: 1\n", (3, 0)),
    ("# only\na: 1\n", (2, 0)),
]


@pytest.mark.parametrize(("text", "expected"), INDENTATION)
def test_guess_indentation(text: str, expected: tuple[int, int]) -> None:
    assert guess_indentation(text) == expected


@settings(max_examples=40, deadline=None)
@given(indent=st.integers(min_value=2, max_value=6), dash_offset=st.integers(min_value=0, max_value=4))
def test_guessed_indentation_reproduces_the_file(tmp_path_factory: pytest.TempPathFactory, indent: int, dash_offset: int) -> None:
    pad, dash = " " * indent, " " * dash_offset
    text = f"top:\n{pad}key:\n{pad}{pad}value: 1\n{pad}list:\n{pad}{dash}- one\n{pad}{dash}- two\nother: 2\n"
    assert guess_indentation(text) == (indent, dash_offset)
    document = document_for(tmp_path_factory.mktemp("indent"), text)
    append_item(document.data["top"]["list"], "three")
    assert document.render() == text.replace("- two\n", f"- two\n{pad}{dash}- three\n")


def test_json_keeps_its_indentation_and_line_endings(tmp_path: Path) -> None:
    text = '{\r\n\t"version": 1,\r\n\t"list": ["a"]\r\n}'
    document = document_for(tmp_path, text, "ppmi.json")
    append_item(document.data["list"], "b")
    assert document.render() == '{\r\n\t"version": 1,\r\n\t"list": [\r\n\t\t"a",\r\n\t\t"b"\r\n\t]\r\n}'


def test_an_edit_the_loader_refuses_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "ppmi.yaml"
    path.write_text(SAMPLE)
    document = document_for(tmp_path, SAMPLE)
    mtime = path.stat().st_mtime_ns
    document.data["environments"]["prod"]["environment_id"] = "not-a-guid"
    outcome = finish_edit(document, [], write=True)
    assert outcome.written is False and outcome.changed
    codes = [f.code for f in outcome.findings]
    assert codes[0] == "edit.result_invalid" and "guid.invalid" in codes
    assert path.read_text() == SAMPLE and path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["ppmi.yaml"]


def test_a_file_changed_since_reading_is_not_overwritten(tmp_path: Path) -> None:
    document = document_for(tmp_path, SAMPLE)
    append_item(document.data["identities"]["reader"]["environments"], "prod2")
    document.data["environments"]["prod2"] = new_map(
        [("tenant", "contoso"), ("environment_id", "0f0e0d0c-0b0a-4908-8706-050403020100")]
    )
    changed = SAMPLE.replace("# heading", "# someone else's edit")
    (tmp_path / "ppmi.yaml").write_text(changed)
    outcome = finish_edit(document, [], write=True)
    assert not outcome.written
    assert [f.code for f in outcome.findings] == ["edit.changed_on_disk"]
    assert (tmp_path / "ppmi.yaml").read_text() == changed


def test_a_valid_edit_is_written_with_the_files_permissions(tmp_path: Path) -> None:
    path = tmp_path / "ppmi.yaml"
    document = document_for(tmp_path, SAMPLE)
    path.chmod(0o640)
    insert_after(document.data["environments"], "prod", "uat", new_map(
        [("tenant", "contoso"), ("environment_id", "0f0e0d0c-0b0a-4908-8706-050403020100")]
    ))
    outcome = finish_edit(document, [], write=True)
    assert outcome.written, outcome.findings
    assert "  uat:\n" in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o640
