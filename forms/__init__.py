"""Questionnaires: definition files, their loader and the web form builder.

``forms`` never imports the Flask application; ``analysis`` may import the
loader to know the item ids and element layout of a questionnaire.
"""

from forms.questionnaire import (
    STANDARD_QUESTIONNAIRE_PATH,
    ChoiceQuestion,
    Criterion,
    Element,
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    load_standard,
    parse_questionnaire,
)

__all__ = [
    "STANDARD_QUESTIONNAIRE_PATH",
    "ChoiceQuestion",
    "Criterion",
    "Element",
    "Questionnaire",
    "QuestionnaireError",
    "load_questionnaire",
    "load_standard",
    "parse_questionnaire",
]
