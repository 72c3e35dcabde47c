"""Questionnaire definitions (bảng hỏi): the data model and the YAML loader.

A questionnaire is a versioned data file. The loader walks the YAML node tree
itself so that every problem is reported with the file, the line and what is
wrong, e.g. ``sipas.yaml:42: element 'TC': criterion 'TC9' is listed twice``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

STANDARD_QUESTIONNAIRE_PATH = Path(__file__).parent / "questionnaires" / "sipas-justice.yaml"

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_CHOICE_KEY = re.compile(r"^[A-Za-z0-9_+\-]{1,32}$")

Text = dict[str, str]
"""Text in several languages, keyed by language code (``vi``, ``en``)."""


class QuestionnaireError(ValueError):
    """A questionnaire file is not valid; the message names file, line and problem."""

    def __init__(self, path: str, line: int | None, problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Criterion:
    """One rated item (tiêu chí), answered on the 1–5 scale or left blank."""

    id: str
    text: Text


@dataclass(frozen=True)
class Element:
    """A group of criteria (yếu tố); its index is the mean of its criteria."""

    id: str
    title: Text
    weight: float
    criteria: tuple[Criterion, ...]
    hint: Text = field(default_factory=dict)


@dataclass(frozen=True)
class ChoiceQuestion:
    """A question with named choices (screening, demographics)."""

    id: str
    text: Text
    choices: tuple[tuple[str, Text], ...]
    hint: Text = field(default_factory=dict)
    ineligible: Text = field(default_factory=dict)

    def choice_keys(self) -> list[str]:
        return [key for key, _ in self.choices]


@dataclass(frozen=True)
class Scale:
    """The answer scale: levels min..max with labels; satisfied from a level up."""

    min: int
    max: int
    satisfied_from: int
    labels: tuple[tuple[int, Text], ...]
    not_applicable: Text


@dataclass(frozen=True)
class FreeText:
    """A free-text question (the comment)."""

    id: str
    text: Text
    max_length: int


@dataclass(frozen=True)
class Questionnaire:
    """A whole questionnaire at one version (``id@version``)."""

    id: str
    version: int
    languages: tuple[str, ...]
    title: Text
    intro: Text
    scale: Scale
    screening: ChoiceQuestion
    elements: tuple[Element, ...]
    overall: Criterion | None
    demographics: tuple[ChoiceQuestion, ...]
    comment: FreeText | None

    @property
    def key(self) -> str:
        """The reference stored with campaigns and responses: ``id@version``."""
        return f"{self.id}@{self.version}"

    def item_ids(self) -> list[str]:
        """The criterion ids in questionnaire order (TC1 … PA3 for the standard one)."""
        return [c.id for e in self.elements for c in e.criteria]

    def rated_ids(self) -> list[str]:
        """Every question answered on the scale: the criteria, then the overall item."""
        return self.item_ids() + ([self.overall.id] if self.overall else [])

    def element_of(self, criterion_id: str) -> Element:
        for element in self.elements:
            if any(c.id == criterion_id for c in element.criteria):
                return element
        raise KeyError(criterion_id)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire file; raise QuestionnaireError on any mistake."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionnaireError(str(path), None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(str(path), None, f"not UTF-8 text ({exc.reason})") from None
    return parse_questionnaire(source, str(path))


def load_standard() -> Questionnaire:
    """The standard SIPAS questionnaire for justice fields shipped with the project."""
    return load_questionnaire(STANDARD_QUESTIONNAIRE_PATH)


def parse_questionnaire(source: str, name: str = "<questionnaire>") -> Questionnaire:
    """Validate YAML text and build a Questionnaire; ``name`` is used in errors."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise QuestionnaireError(name, line, f"not valid YAML: {exc.problem}") from None
    if root is None:
        raise QuestionnaireError(name, None, "the file is empty")
    return _Reader(name).questionnaire(root)


class _Reader:
    """Walks YAML nodes, building the model and naming the line of each problem."""

    def __init__(self, name: str):
        self.name = name
        self.languages: tuple[str, ...] = ()

    def fail(self, node: yaml.Node, problem: str) -> QuestionnaireError:
        return QuestionnaireError(self.name, node.start_mark.line + 1, problem)

    def mapping(self, node: yaml.Node, what: str, allowed: set[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in result:
                raise self.fail(key_node, f"{what}: key '{key}' is given twice")
            if allowed and key not in allowed:
                expected = ", ".join(sorted(allowed))
                raise self.fail(key_node, f"{what}: unknown key '{key}' (expected one of: {expected})")
            result[key] = value_node
        return result

    def required(self, items: dict[str, yaml.Node], key: str, parent: yaml.Node, what: str) -> yaml.Node:
        if key not in items:
            raise self.fail(parent, f"{what}: '{key}' is missing")
        return items[key]

    def scalar(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise self.fail(node, f"{what} must be a non-empty value")
        return node.value

    def integer(self, node: yaml.Node, what: str) -> int:
        value = self.scalar(node, what)
        if not re.fullmatch(r"-?\d+", value):
            raise self.fail(node, f"{what} must be a whole number, not '{value}'")
        return int(value)

    def identifier(self, node: yaml.Node, what: str) -> str:
        value = self.scalar(node, what)
        if not _ID.match(value):
            raise self.fail(
                node, f"{what} '{value}' is not a valid id (letters, digits and _ , starting with a letter)"
            )
        return value

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> Text:
        items = self.mapping(node, what, set())
        result = {lang: self.scalar(value, f"{what} ({lang})") for lang, value in items.items()}
        missing = [lang for lang in self.languages if lang not in result]
        if missing:
            raise self.fail(node, f"{what}: text missing for language {', '.join(missing)}")
        return result

    def questionnaire(self, root: yaml.Node) -> Questionnaire:
        keys = {"id", "version", "languages", "title", "intro", "scale", "screening", "elements",
                "overall", "demographics", "comment"}
        top = self.mapping(root, "questionnaire", keys)
        languages = [self.scalar(n, "language") for n in self.sequence(
            self.required(top, "languages", root, "questionnaire"), "languages")]
        if "vi" not in languages:
            raise self.fail(top["languages"], "languages must include 'vi' (Vietnamese is the default)")
        self.languages = tuple(languages)
        ident = self.scalar(self.required(top, "id", root, "questionnaire"), "questionnaire id")
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,63}", ident):
            raise self.fail(top["id"], f"questionnaire id '{ident}' must be lower-case letters, digits, - or _")
        version = self.integer(self.required(top, "version", root, "questionnaire"), "version")
        if version < 1:
            raise self.fail(top["version"], "version must be 1 or more")
        elements = self.elements(self.required(top, "elements", root, "questionnaire"))
        questionnaire = Questionnaire(
            id=ident,
            version=version,
            languages=self.languages,
            title=self.text(self.required(top, "title", root, "questionnaire"), "title"),
            intro=self.text(top["intro"], "intro") if "intro" in top else {},
            scale=self.scale(self.required(top, "scale", root, "questionnaire")),
            screening=self.choice_question(self.required(top, "screening", root, "questionnaire"),
                                           "screening"),
            elements=elements,
            overall=self.criterion(top["overall"], "overall") if "overall" in top else None,
            demographics=tuple(self.choice_question(n, "demographic question")
                               for n in self.sequence(top["demographics"], "demographics"))
            if "demographics" in top else (),
            comment=self.free_text(top["comment"]) if "comment" in top else None,
        )
        if "yes" not in questionnaire.screening.choice_keys():
            raise self.fail(top["screening"], "screening: a choice 'yes' (eligible respondent) is required")
        self.check_unique_ids(questionnaire, root)
        return questionnaire

    def check_unique_ids(self, questionnaire: Questionnaire, root: yaml.Node) -> None:
        ids = [questionnaire.screening.id, *questionnaire.rated_ids(),
               *(d.id for d in questionnaire.demographics)]
        ids += [e.id for e in questionnaire.elements]
        if questionnaire.comment:
            ids.append(questionnaire.comment.id)
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                line = _line_of(root, ident)
                raise QuestionnaireError(self.name, line, f"id '{ident}' is used twice")
            seen.add(ident)

    def scale(self, node: yaml.Node) -> Scale:
        items = self.mapping(node, "scale", {"min", "max", "satisfied_from", "labels", "not_applicable"})
        low = self.integer(self.required(items, "min", node, "scale"), "scale min")
        high = self.integer(self.required(items, "max", node, "scale"), "scale max")
        if low != 1 or high != 5:
            raise self.fail(node, f"scale must run from 1 to 5 (SIPAS five levels), not {low} to {high}")
        satisfied = self.integer(self.required(items, "satisfied_from", node, "scale"), "satisfied_from")
        if not low < satisfied <= high:
            raise self.fail(items["satisfied_from"], f"satisfied_from must lie in {low + 1}..{high}")
        label_node = self.required(items, "labels", node, "scale")
        labels = self.mapping(label_node, "scale labels", set())
        parsed = sorted((self.integer_key(key, label_node), self.text(value, f"label {key}"))
                        for key, value in labels.items())
        if [level for level, _ in parsed] != list(range(low, high + 1)):
            raise self.fail(label_node, f"scale labels must be given for each level {low}..{high}")
        return Scale(low, high, satisfied, tuple(parsed),
                     self.text(items["not_applicable"], "not_applicable") if "not_applicable" in items else {})

    def integer_key(self, key: str, node: yaml.Node) -> int:
        if not re.fullmatch(r"\d+", key):
            raise self.fail(node, f"scale label key '{key}' must be a level number")
        return int(key)

    def elements(self, node: yaml.Node) -> tuple[Element, ...]:
        result = []
        for element_node in self.sequence(node, "elements"):
            items = self.mapping(element_node, "element", {"id", "title", "weight", "criteria", "hint"})
            ident = self.identifier(self.required(items, "id", element_node, "element"), "element id")
            what = f"element '{ident}'"
            weight = 1.0
            if "weight" in items:
                raw = self.scalar(items["weight"], f"{what} weight")
                try:
                    weight = float(raw)
                except ValueError:
                    raise self.fail(items["weight"], f"{what}: weight must be a number, not '{raw}'") from None
                if not weight > 0:
                    raise self.fail(items["weight"], f"{what}: weight must be positive")
            criteria = tuple(self.criterion(n, what) for n in
                             self.sequence(self.required(items, "criteria", element_node, what),
                                           f"{what} criteria"))
            result.append(Element(
                id=ident,
                title=self.text(self.required(items, "title", element_node, what), f"{what} title"),
                weight=weight,
                criteria=criteria,
                hint=self.text(items["hint"], f"{what} hint") if "hint" in items else {},
            ))
        return tuple(result)

    def criterion(self, node: yaml.Node, what: str) -> Criterion:
        items = self.mapping(node, f"{what}: criterion", {"id", "text"})
        ident = self.identifier(self.required(items, "id", node, f"{what}: criterion"), "criterion id")
        return Criterion(ident, self.text(self.required(items, "text", node, f"criterion '{ident}'"),
                                          f"criterion '{ident}' text"))

    def choice_question(self, node: yaml.Node, what: str) -> ChoiceQuestion:
        items = self.mapping(node, what, {"id", "text", "hint", "choices", "ineligible"})
        ident = self.identifier(self.required(items, "id", node, what), f"{what} id")
        what = f"{what} '{ident}'"
        choice_node = self.required(items, "choices", node, what)
        choices = []
        for key, value in self.mapping(choice_node, f"{what} choices", set()).items():
            if not _CHOICE_KEY.match(key):
                raise self.fail(value, f"{what}: choice key '{key}' is not valid")
            choices.append((key, self.text(value, f"{what} choice '{key}'")))
        if len(choices) < 2:
            raise self.fail(choice_node, f"{what}: at least two choices are needed")
        return ChoiceQuestion(
            id=ident,
            text=self.text(self.required(items, "text", node, what), f"{what} text"),
            choices=tuple(choices),
            hint=self.text(items["hint"], f"{what} hint") if "hint" in items else {},
            ineligible=self.text(items["ineligible"], f"{what} ineligible") if "ineligible" in items else {},
        )

    def free_text(self, node: yaml.Node) -> FreeText:
        items = self.mapping(node, "comment", {"id", "text", "max_length"})
        ident = self.identifier(self.required(items, "id", node, "comment"), "comment id")
        max_length = self.integer(items["max_length"], "comment max_length") if "max_length" in items else 2000
        if max_length < 1:
            raise self.fail(items["max_length"], "comment max_length must be positive")
        return FreeText(ident, self.text(self.required(items, "text", node, "comment"), "comment text"),
                        max_length)


def _line_of(root: yaml.Node, ident: str) -> int | None:
    """The last line where a scalar equal to ``ident`` stands (the repeated id)."""
    found = None
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and node.value == ident:
            line = node.start_mark.line + 1
            found = max(found or 0, line)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return found
