"""Round-trip editing of a config file: change a few keys, keep everything else byte for byte.

Clone and upgrade change a user's hand-written file, so comments, key order, quoting, flow or block
style and indentation must survive (ruamel.yaml round trip). JSON files are read into the same node
types and written back as JSON with the file's own indentation. A change is shown as a unified diff
and written only after the real loader accepted the new text, through a temporary file in the same
folder and ``os.replace``, so the file is either the old or the new one, never a half-written one.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from ppmi import exit_codes
from validators.config import load_config, load_config_text
from validators.findings import Finding, error
from validators.model import Config

Scalar = Union[str, int, float, bool, None]
Node = Union[CommentedMap, CommentedSeq, Scalar]

JSON_SUFFIXES = (".json",)
_YAML_WIDTH = 4096
"""Wide enough that long ids and URLs are never folded onto a second line."""

_MAP_VALUE_COMMENT = 2
"""Index of the comment after a mapping value in ruamel's ``ca.items[key]``."""
_SEQ_ITEM_COMMENT = 0
"""Index of the comment after a sequence item in ruamel's ``ca.items[index]``."""


@dataclass
class ConfigDocument:
    """A config file's nodes plus what is needed to write them back the way the file was written."""

    path: Path
    original_text: str
    data: CommentedMap
    is_json: bool
    newline: str = "\n"
    indent: int = 2
    sequence_dash_offset: int = 0
    json_indent: int | str | None = 2
    json_ensure_ascii: bool = True
    trailing_newline: bool = True

    def render(self) -> str:
        """The document as text, in the file's own format, indentation and line endings."""
        if self.is_json:
            text = json.dumps(
                self.data,
                indent=self.json_indent,
                ensure_ascii=self.json_ensure_ascii,
                separators=(",", ": ") if self.json_indent is not None else (", ", ": "),
            )
            if self.trailing_newline:
                text += "\n"
        else:
            stream = io.StringIO()
            _yaml(self.indent, self.sequence_dash_offset).dump(self.data, stream)
            text = stream.getvalue()
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    def diff(self, new_text: str) -> str:
        """A unified diff from the file on disk to ``new_text``; empty when nothing changes."""
        name = self.path.name
        return "".join(
            difflib.unified_diff(
                _lines_for_diff(self.original_text),
                _lines_for_diff(new_text),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )


def _lines_for_diff(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _yaml(indent: int = 2, sequence_dash_offset: int = 0) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _YAML_WIDTH
    yaml.indent(mapping=indent, sequence=sequence_dash_offset + 2, offset=sequence_dash_offset)
    return yaml


_TRAILING_COMMENT = re.compile(r"\s+#.*$")


def guess_indentation(text: str) -> tuple[int, int]:
    """The file's mapping indent and how far a block sequence's dash sits in from its key.

    Read from the first nested mapping and the first block sequence under a key (ruamel.yaml's own
    guess returns the sequence indent in place of the mapping indent when a file has both).
    """
    mapping_indent: int | None = None
    dash_offset: int | None = None
    parent_indent: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lead = len(line) - len(line.lstrip(" "))
        if parent_indent is not None:
            if stripped.startswith("- ") or stripped == "-":
                dash_offset = lead - parent_indent if dash_offset is None else dash_offset
            elif mapping_indent is None and lead > parent_indent:
                mapping_indent = lead - parent_indent
        if mapping_indent is not None and dash_offset is not None:
            break
        key_only = not stripped.startswith("-") and _TRAILING_COMMENT.sub("", stripped).endswith(":")
        parent_indent = lead if key_only else None
    return mapping_indent or 2, max(dash_offset or 0, 0)


def _to_nodes(value: object) -> Node:
    """JSON values as the node types the editing helpers work on."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _to_nodes(item)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_to_nodes(item) for item in value)
    return value  # type: ignore[return-value]


def _json_indent(text: str) -> int | str | None:
    match = re.search(r"[\[{]\r?\n([ \t]+)\S", text)
    if not match:
        return None
    whitespace = match.group(1)
    return whitespace if "\t" in whitespace else len(whitespace)


def read_document(path: Path) -> tuple[ConfigDocument | None, list[Finding]]:
    """Read a YAML or JSON config for editing; findings (code ``edit.unreadable``) when it cannot be."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [
            error(
                "edit.unreadable",
                f"Cannot read {path} for editing: {exc}.",
                "Check that the file exists, is readable and is UTF-8 text.",
            )
        ]
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = raw.replace("\r\n", "\n")
    is_json = path.suffix.lower() in JSON_SUFFIXES
    try:
        if is_json:
            data = _to_nodes(json.loads(text))
            document = ConfigDocument(
                path=path,
                original_text=raw,
                data=data,  # type: ignore[arg-type]
                is_json=True,
                newline=newline,
                json_indent=_json_indent(text),
                json_ensure_ascii=text.isascii(),
                trailing_newline=text.endswith("\n"),
            )
        else:
            indent, dash_offset = guess_indentation(text)
            data = _yaml(indent, dash_offset).load(text)
            document = ConfigDocument(
                path=path,
                original_text=raw,
                data=data,
                is_json=False,
                newline=newline,
                indent=indent,
                sequence_dash_offset=dash_offset,
            )
    except (ValueError, YAMLError) as exc:
        return None, [
            error(
                "edit.unreadable",
                f"Cannot parse {path} for editing: {exc}.",
                "Run 'ppmi validate' on the file and fix what it reports first.",
            )
        ]
    if not isinstance(document.data, CommentedMap):
        return None, [
            error("edit.unreadable", f"{path} is not a mapping at the top level.", "Start the file with 'version: 1'.")
        ]
    return document, []


# Building nodes ---------------------------------------------------------------------------------


def new_map(items: Iterable[tuple[str, Node]] = ()) -> CommentedMap:
    mapping = CommentedMap()
    for key, value in items:
        mapping[key] = value
    return mapping


def new_seq(items: Iterable[Node], flow: bool = False) -> CommentedSeq:
    seq = CommentedSeq(items)
    if flow:
        seq.fa.set_flow_style()
    else:
        seq.fa.set_block_style()
    return seq


def copy_plain(node: Node) -> Node:
    """A copy of ``node`` with its flow or block style but without comments, which belong to the original."""
    if isinstance(node, CommentedMap):
        mapping = new_map((key, copy_plain(value)) for key, value in node.items())
        if node.fa.flow_style():
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(node, CommentedSeq):
        return new_seq((copy_plain(item) for item in node), flow=bool(node.fa.flow_style()))
    return node


# Comments that follow the last line of a node -----------------------------------------------------
#
# ruamel.yaml attaches full-line comments and blank lines to the entry *above* them. When a new entry
# goes after an entry, those lines (often the heading of the next section) must move below the new
# entry, or "# Identities" would end up in the middle of the environments.

Slot = tuple[Union[CommentedMap, CommentedSeq], object, int]
"""Where ruamel keeps the comment after an entry: (container, key or index, position in ``ca.items``)."""


def _is_block(node: object) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _last_line_slot(container: CommentedMap | CommentedSeq, key: object) -> Slot:
    """The slot of the comment after the last line of entry ``key`` of a block container."""
    value = container[key]  # type: ignore[index]
    if _is_block(value):
        last = list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1
        return _last_line_slot(value, last)
    return container, key, _MAP_VALUE_COMMENT if isinstance(container, CommentedMap) else _SEQ_ITEM_COMMENT


def _slot_token(slot: Slot) -> CommentToken | None:
    container, key, index = slot
    entry = container.ca.items.get(key)
    if not entry or len(entry) <= index:
        return None
    token = entry[index]
    return token if isinstance(token, CommentToken) else None


def _set_slot_token(slot: Slot, token: CommentToken | None) -> None:
    container, key, index = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= index:
        entry.append(None)
    entry[index] = token
    if all(item is None for item in entry):
        del container.ca.items[key]


def _split_following(following: str, sibling_column: int | None) -> tuple[str, str]:
    """Split the lines after an entry into those inside it (comments indented deeper than its siblings'
    keys, up to the first blank line) and those that belong to what follows."""
    if sibling_column is None:
        return "", following
    lines = following.splitlines(keepends=True)
    inside = 0
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) <= sibling_column:
            break
        inside += 1
    return "".join(lines[:inside]), "".join(lines[inside:])


def _sibling_column(container: CommentedMap | CommentedSeq) -> int | None:
    """The column of the container's keys or dashes as read from the file; None for new nodes."""
    column = container.lc.col
    return column if isinstance(column, int) else None


def _take_following_lines(slot: Slot, sibling_column: int | None) -> str:
    """Detach the full-line comments and blank lines after an entry that belong to what follows it;
    keep its end-of-line comment and comments indented inside it."""
    token = _slot_token(slot)
    if token is None or "\n" not in token.value:
        return ""
    own_line, _, following = token.value.partition("\n")
    inside, moved = _split_following(following, sibling_column)
    if not moved:
        return ""
    kept = own_line + "\n" + inside
    if kept.strip():
        token.value = kept
    else:
        _set_slot_token(slot, None)
    return moved


def _give_following_lines(slot: Slot, lines: str) -> None:
    if not lines:
        return
    token = _slot_token(slot)
    if token is None:
        _set_slot_token(slot, CommentToken("\n" + lines, CommentMark(0), None))
    else:
        token.value = token.value.rstrip("\n") + "\n" + lines


# Editing -----------------------------------------------------------------------------------------


def insert_after(
    mapping: CommentedMap, after_key: str | None, key: str, value: Node, blank_line_before: bool = False
) -> None:
    """Put ``key: value`` right after ``after_key`` (at the end when None or absent).

    Comment lines that followed ``after_key``'s entry stay above whatever followed it;
    ``blank_line_before`` separates a new top-level section the way sections usually are.
    """
    if key in mapping:
        raise KeyError(f"{key!r} is already in the mapping")
    keys = list(mapping.keys())
    position = keys.index(after_key) if after_key in keys else len(keys) - 1
    if position < 0 or mapping.fa.flow_style():
        mapping.insert(position + 1, key, value)
        return
    previous = _last_line_slot(mapping, keys[position])
    lines = _take_following_lines(previous, _sibling_column(mapping))
    if blank_line_before:
        _give_following_lines(previous, "\n")
    mapping.insert(position + 1, key, value)
    _give_following_lines(_last_line_slot(mapping, key), lines)


def append_item(seq: CommentedSeq, value: Node) -> None:
    """Append to a sequence, keeping comment lines that followed its last item below the new one."""
    if not len(seq) or seq.fa.flow_style():
        seq.append(value)
        return
    lines = _take_following_lines(_last_line_slot(seq, len(seq) - 1), _sibling_column(seq))
    seq.append(value)
    _give_following_lines(_last_line_slot(seq, len(seq) - 1), lines)


def remove_item(seq: CommentedSeq, value: Node) -> None:
    """Remove the first item equal to ``value``; comment lines after it stay after the item before it."""
    index = list(seq).index(value)
    lines = _take_following_lines(_last_line_slot(seq, index), None) if index > 0 else ""
    comments = {i: c for i, c in seq.ca.items.items() if i != index}
    del seq[index]
    seq.ca.items.clear()
    seq.ca.items.update({(i - 1 if i > index else i): c for i, c in comments.items()})
    if lines:
        _give_following_lines(_last_line_slot(seq, index - 1), lines)


def set_value(mapping: CommentedMap, key: str, value: Node, after_key: str | None = None) -> None:
    """Replace the value of ``key`` in place, or insert it after ``after_key``."""
    if key in mapping:
        mapping[key] = value
    else:
        insert_after(mapping, after_key, key, value)


def add_line_comment(document: ConfigDocument, mapping: CommentedMap, key: str, text: str) -> None:
    """An end-of-line comment on ``key``, two spaces after the value (YAML only; JSON has no comments)."""
    slot: Slot = (mapping, key, _MAP_VALUE_COMMENT)
    if document.is_json or _slot_token(slot) is not None:
        return
    _set_slot_token(slot, CommentToken(f" # {text}\n", CommentMark(0), None))


# Validating and writing --------------------------------------------------------------------------


@dataclass(frozen=True)
class EditOutcome:
    """What an edit would do (``diff``), whether the file now holds it, and what the loader said of it."""

    diff: str
    written: bool
    findings: list[Finding]

    @property
    def changed(self) -> bool:
        return bool(self.diff)

    def status(self, path: str) -> str:
        """One line for people: what happened to the file."""
        if self.written:
            return f"Wrote {path}."
        if not self.changed:
            return "No change."
        return "Nothing written: run again with --write to apply this change."


def _identity(finding: Finding) -> tuple[str, str, str]:
    return (finding.code, finding.location, finding.message)


def finish_edit(document: ConfigDocument, baseline: Iterable[Finding], write: bool) -> EditOutcome:
    """Validate the edited document with the real loader and, when asked and valid, replace the file.

    Returns the findings the edit introduced (``baseline`` holds those of the file as it is). Nothing is
    written when the new text has errors, when nothing changed, or when the file changed on disk since
    it was read. The new text goes to a temporary file in the same folder and becomes the file through
    ``os.replace`` (atomic on one file system), so readers see the old or the new file, never half of one.
    """
    new_text = document.render()
    diff = document.diff(new_text)
    path = document.path
    result = load_config_text(new_text, file=f"{path} (after the change)", base_dir=path.parent)
    known = {_identity(f) for f in baseline}
    introduced = [f for f in result.findings if _identity(f) not in known]
    if result.config is None:
        refusal = error(
            "edit.result_invalid",
            f"The change would leave {path} invalid, so it was not written.",
            "Fix what the other findings report (they point into the changed text), then run the command again.",
        )
        return EditOutcome(diff, False, [refusal] + [f for f in result.findings if f.is_error])
    if not diff or not write:
        return EditOutcome(diff, False, introduced)
    failure = _replace_file(path, document.original_text, new_text)
    return EditOutcome(diff, failure is None, introduced if failure is None else introduced + [failure])


def _replace_file(path: Path, expected_text: str, new_text: str) -> Finding | None:
    try:
        if path.read_bytes().decode("utf-8-sig") != expected_text:
            return error(
                "edit.changed_on_disk",
                f"{path} changed while ppmi was editing it, so it was not written.",
                "Run the command again on the current file.",
            )
        descriptor, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except (OSError, UnicodeDecodeError) as exc:
        return _write_failure(path, exc)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(new_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
        return None
    except OSError as exc:
        return _write_failure(path, exc)
    finally:
        if temporary.exists():
            temporary.unlink()


def _write_failure(path: Path, exc: Exception) -> Finding:
    return error(
        "edit.write_failed",
        f"Cannot write {path}: {exc}. The file was not changed.",
        "Check that the folder is writable and has free space, then run the command again.",
    )


@dataclass(frozen=True)
class EditSource:
    """A config ready to change: the validated model to decide with, the nodes to edit, its findings now."""

    config: Config
    document: ConfigDocument
    baseline: list[Finding]


def open_for_edit(path: Path) -> tuple[EditSource | None, list[Finding], bool]:
    """Load ``path`` with the real loader and read it for editing.

    Returns the source, or None with the findings that stop the edit and whether they are a usage/IO
    problem (exit 2: unreadable, unparsable) rather than config findings (exit 1).
    """
    loaded = load_config(path)
    if loaded.config is None:
        return None, list(loaded.findings), loaded.unreadable
    document, findings = read_document(path)
    if document is None:
        return None, findings, True
    return EditSource(loaded.config, document, list(loaded.findings)), [], False


IO_FAILURE_CODES = frozenset({"edit.unreadable", "edit.write_failed", "edit.changed_on_disk"})


def edit_exit_code(findings: Iterable[Finding]) -> int:
    """2 when the file could not be read or written, 1 for other errors, else 0."""
    findings = list(findings)
    if any(f.code in IO_FAILURE_CODES for f in findings):
        return exit_codes.USAGE
    return exit_codes.FINDINGS if any(f.is_error for f in findings) else exit_codes.OK
