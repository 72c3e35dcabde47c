"""The citizen form's class, built once per process for each questionnaire version, language and field choice.

Building it (two dozen questions, their choices and translated messages) cost
more than the rest of a citizen's request; the class depends on nothing else,
so every later form of the same counter kind only instantiates it. A stored
questionnaire version never changes (a new text is a new version), so the
cache never goes stale.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext
from flask_wtf import FlaskForm

from forms.questionnaire import Questionnaire
from forms.wtf import build_survey_form

_classes: dict[tuple[int, str, tuple[tuple[str, str], ...]], type[FlaskForm]] = {}


def survey_form_class(version_id: int, questionnaire: Questionnaire, lang: str,
                      field_choices: Sequence[tuple[str, str]]) -> type[FlaskForm]:
    """The form class of stored version ``version_id`` in ``lang`` (the page's locale) with these field choices."""
    key = (version_id, lang, tuple(field_choices))
    form_class = _classes.get(key)
    if form_class is None:
        form_class = _classes[key] = build_survey_form(questionnaire, lang, gettext, field_choices)
    return form_class
