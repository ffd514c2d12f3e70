"""A survey as a YAML file (`linkedup survey create FILE.yaml`): read, checked, each problem with its line.

A long survey is easier to write and review in a file than in a modal. As with the network file
(`network_file.document`), a file with any mistake is refused whole and each mistake comes back as
`have_your_say.yaml line 12: questions[3].options: give 2 to 10 options (got 1)`, sorted by line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from models.errors import DomainError
from surveys.definition import Definition, check_definition
from surveys.definition import Path as FieldPath

TEMPLATE = Path(__file__).parent / "templates" / "have_your_say.yaml"


class SurveyFileError(DomainError):
    """The file cannot become a survey; `problems` holds one sentence per mistake, each naming its line."""

    def __init__(self, problems: list[str], source: str):
        self.problems = list(problems)
        count = len(self.problems)
        header = f"{source}: {count} problem{'s' if count != 1 else ''}, no survey was created"
        super().__init__("\n".join([header, *("  " + p for p in self.problems)]))


def read_definition(text: str, *, now: datetime, source: str = "survey file") -> Definition:
    """The file's definition; `SurveyFileError` listing every problem with its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "line 1"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SurveyFileError([f"{source} {line}: not valid YAML: {problem}"], source) from None
    lines: dict[FieldPath, int] = {}
    if node is not None:
        _index(node, (), lines)
    definition, problems = check_definition(raw, now=now)
    if definition is None:
        raise SurveyFileError(located(problems, lines, source), source)
    return definition


def located(problems: list[tuple[FieldPath, str]], lines: dict[FieldPath, int], source: str) -> list[str]:
    """Each problem as `source line N: field: message`, in the order of the file."""
    out = []
    for path, message in problems:
        key = path
        while key and key not in lines:
            key = key[:-1]
        out.append((lines.get(key, 1), f"{source} line {lines.get(key, 1)}: {format_path(path)}{message}"))
    return [text for _, text in sorted(out, key=lambda item: item[0])]


def format_path(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"{text}: " if text else ""


def _index(node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.MappingNode | yaml.SequenceNode):
                _index(value_node, (*path, key), lines)
                lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            _index(item, (*path, n), lines)
