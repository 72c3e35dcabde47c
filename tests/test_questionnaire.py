"""The questionnaire file format: the standard file loads, mistakes give file, line and problem."""

from __future__ import annotations

import pytest

from forms import (
    STANDARD_QUESTIONNAIRE_PATH,
    QuestionnaireError,
    load_questionnaire,
    load_standard,
    parse_questionnaire,
)

STANDARD_IDS = ["TC1", "TC2", "TC3", "TC4", "TT1", "TT2", "TT3", "TT4", "CC1", "CC2", "CC3", "CC4", "CC5",
                "KQ1", "KQ2", "KQ3", "PA1", "PA2", "PA3"]


def test_standard_questionnaire_has_the_sipas_items_in_both_languages():
    questionnaire = load_standard()
    assert questionnaire.key == "sipas-justice@1"
    assert questionnaire.item_ids() == STANDARD_IDS
    assert [e.id for e in questionnaire.elements] == ["TC", "TT", "CC", "KQ", "PA"]
    assert all(e.weight == 1.0 for e in questionnaire.elements)
    for element in questionnaire.elements:
        for criterion in element.criteria:
            assert criterion.text["vi"] and criterion.text["en"]
    assert questionnaire.element_of("CC3").id == "CC"
    labels = dict(questionnaire.scale.labels)
    assert labels[1]["vi"] == "Rất không hài lòng" and labels[5]["vi"] == "Rất hài lòng"
    assert questionnaire.scale.satisfied_from == 4
    assert questionnaire.screening.choice_keys() == ["yes", "no"]
    assert [q.id for q in questionnaire.demographics] == ["gender", "age", "education", "occupation"]
    assert questionnaire.comment is not None and questionnaire.overall is not None


def _standard_text() -> str:
    return STANDARD_QUESTIONNAIRE_PATH.read_text(encoding="utf-8")


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if fragment in line]
    return hits[occurrence - 1]


@pytest.mark.parametrize(
    ("change", "problem", "fragment", "occurrence"),
    [
        (lambda t: t.replace("      - id: TC2", "      - id: TC1", 1), "id 'TC1' is used twice", "- id: TC1", 2),
        (lambda t: t.replace("  min: 1\n  max: 5", "  min: 1\n  max: 7"), "scale must run from 1 to 5",
         "scale:", 1),
        (lambda t: t.replace("          en: The office is clean and orderly\n", ""),
         "text missing for language en", "vi: Trụ sở sạch sẽ, văn minh", 1),
        (lambda t: t.replace("    weight: 1\n    title: {vi: \"Thủ tục",
                             "    weight: heavy\n    title: {vi: \"Thủ tục"),
         "element 'TT': weight must be a number, not 'heavy'", "weight: heavy", 1),
        (lambda t: t.replace("      - id: CC4\n", "      - id: CC 4\n"), "'CC 4' is not a valid id", "id: CC 4", 1),
        (lambda t: t.replace("  - id: KQ\n", "  - id: KQ\n    colour: red\n"),
         "unknown key 'colour'", "colour: red", 1),
    ],
)
def test_mistakes_name_the_file_line_and_problem(tmp_path, change, problem, fragment, occurrence):
    broken = change(_standard_text())
    assert broken != _standard_text(), "the test's edit must change the file"
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    error = caught.value
    assert problem in str(error)
    assert str(error).startswith(f"{path}:{error.line}: ")
    # The line may point at the value or at its parent block; it must be near the mistake.
    assert abs(error.line - _line_of(broken, fragment, occurrence)) <= 2


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nversion: 1\nelements: [\n  oops\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_questionnaire(path)


def test_missing_file_and_missing_keys():
    with pytest.raises(QuestionnaireError, match="nowhere.yaml: file not found"):
        load_questionnaire("nowhere.yaml")
    with pytest.raises(QuestionnaireError, match="'languages' is missing"):
        parse_questionnaire("id: x\nversion: 1\n", "mini.yaml")
    with pytest.raises(QuestionnaireError, match="the file is empty"):
        parse_questionnaire("", "empty.yaml")
