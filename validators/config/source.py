"""Read a config file into plain data plus the file position of every value.

YAML and JSON both go through PyYAML's node tree, which keeps marks, so any finding can say
``ppmi.yaml:42:7``. Duplicate keys, which YAML loaders silently collapse, are findings here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from validators.findings import Finding, Mark, error, join_location

Data = dict[str, "Data"] | list["Data"] | str | int | float | bool | None


@dataclass
class Source:
    """The parsed document, where each location sits in the file, and what went wrong reading it."""

    data: Data = None
    marks: dict[str, Mark] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    file: str = "<config>"

    def mark_for(self, location: str) -> Mark | None:
        """The mark of ``location`` or of its nearest enclosing value."""
        while True:
            if location in self.marks:
                return self.marks[location]
            if not location:
                return None
            cut = max(location.rfind("."), location.rfind("["))
            location = location[:cut] if cut > 0 else ""


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _index_marks(source: Source, node: yaml.Node, location: str) -> None:
    source.marks.setdefault(location, _mark(source.file, node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = join_location(location, key)
            if key in seen:
                source.findings.append(
                    error(
                        "config.duplicate_key",
                        f"The key {key!r} appears twice; the first one, at line {seen[key].line}, would be ignored.",
                        "Remove or rename one of them.",
                        location=child,
                    ).with_mark(_mark(source.file, key_node))
                )
                continue
            seen[key] = _mark(source.file, key_node)
            source.marks[child] = _mark(source.file, value_node) if isinstance(value_node, yaml.ScalarNode) else seen[key]
            _index_marks(source, value_node, child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_marks(source, item, f"{location}[{index}]")


def parse_text(text: str, file: str) -> Source:
    source = Source(file=file)
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _index_marks(source, node, "")
            source.data = loader.construct_document(node)
        if source.data is None:
            source.findings.append(
                error("config.empty", "The config file holds no document.", "Start from examples/ppmi.yaml.").with_mark(
                    Mark(file, 1, 1)
                )
            )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        problem = exc.problem or "not valid YAML"
        source.findings.append(
            error(
                "config.syntax",
                f"The file cannot be parsed: {problem}{' ' + exc.context if exc.context else ''}.",
                "Fix the YAML/JSON syntax at this position (indentation, quotes, a missing ':' or ',').",
            ).with_mark(where)
        )
        source.data = None
    except yaml.YAMLError as exc:
        source.findings.append(
            error(
                "config.syntax",
                f"The file cannot be parsed: {exc}.",
                "Fix the YAML/JSON syntax; YAML does not allow control characters.",
            ).with_mark(Mark(file, 1, 1))
        )
        source.data = None
    finally:
        if loader is not None:
            loader.dispose()
    return source


def read_source(path: Path) -> Source:
    """Parse ``path``; unreadable files give a ``config.unreadable`` finding (exit code 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Source(
            file=str(path),
            findings=[
                error(
                    "config.unreadable",
                    f"Cannot read the config file {str(path)!r}: {reason}.",
                    "Check the path and that the file is UTF-8 text.",
                )
            ],
        )
    return parse_text(text, str(path))
