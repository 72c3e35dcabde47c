"""Build a Flask-WTF form class from a questionnaire, in one language.

The form names each rated input by its item id (``TC1`` … ``PA3``, ``OVERALL``)
with values ``1``–``5``. Nothing is pre-selected: every rated and demographic
question ends with an explicit ``na`` choice ("not applicable / don't know",
"prefer not to say"); an untouched question and ``na`` are both stored as blank.
Messages come from the ``gettext`` the caller passes, so errors are in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from forms.questionnaire import Questionnaire

Gettext = Callable[..., str]


NOT_APPLICABLE = "na"
"""The value of the last choice of a rated or demographic question: stored as blank, like no answer."""


class _ScaleChoice:
    """Accept no answer, "not applicable", or one of the scale levels."""

    def __init__(self, levels: Sequence[str], message: str):
        self.levels = {*levels, NOT_APPLICABLE}
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data not in (None, "") and field.data not in self.levels:
            field.data = None
            raise ValidationError(self.message)


class _Choice(_ScaleChoice):
    """An optional question with named choices (demographics)."""


def build_survey_form(
    questionnaire: Questionnaire,
    lang: str,
    gettext: Gettext,
    field_choices: Sequence[tuple[str, str]] = (),
) -> type[FlaskForm]:
    """Return a FlaskForm subclass for ``questionnaire`` with labels in ``lang``.

    ``field_choices`` are (code, label) pairs when the counter serves several
    service fields and the citizen must say which one; empty when the QR code
    already names the field.
    """

    def text(mapping: dict[str, str]) -> str:
        return mapping.get(lang) or mapping["vi"]

    levels = [str(level) for level, _ in questionnaire.scale.labels]
    scale_choices = [SelectChoice(str(level), text(label)) for level, label in questionnaire.scale.labels]
    scale_choices.append(SelectChoice(NOT_APPLICABLE, gettext("Not applicable / don't know")))
    out_of_scale = gettext("Choose one of the five levels, or “not applicable”.")

    attrs: dict[str, object] = {
        # The signed one-time nonce, bound to the counter, is this form's anti-forgery token: no session
        # cookie is needed, so a citizen whose cookie is blocked or expired does not lose the answers.
        "Meta": type("Meta", (), {"csrf": False}),
        "nonce": HiddenField(),
        "questionnaire": questionnaire,
        "lang": lang,
    }
    # A counter serving several fields asks the field first: the screening question says "in this field".
    if field_choices:
        attrs["service_field"] = RadioField(
            gettext("Service field"),
            choices=[SelectChoice(code, label) for code, label in field_choices],
            validators=[DataRequired(message=gettext("Choose the field of your procedure."))],
            validate_choice=False,
        )
    screening = questionnaire.screening
    attrs[screening.id] = RadioField(
        text(screening.text),
        choices=[SelectChoice(key, text(label)) for key, label in screening.choices],
        validators=[DataRequired(message=gettext("Say whether you have received the result."))],
        validate_choice=False,
    )
    attrs["_screening_keys"] = set(screening.choice_keys())
    rated = [c for e in questionnaire.elements for c in e.criteria]
    if questionnaire.overall:
        rated.append(questionnaire.overall)
    for criterion in rated:
        attrs[criterion.id] = RadioField(
            text(criterion.text),
            choices=scale_choices,
            validators=[_ScaleChoice(levels, out_of_scale)],
            validate_choice=False,
        )
    for question in questionnaire.demographics:
        attrs[question.id] = RadioField(
            text(question.text),
            choices=[*(SelectChoice(key, text(label)) for key, label in question.choices),
                     SelectChoice(NOT_APPLICABLE, gettext("Prefer not to say"))],
            validators=[_Choice(question.choice_keys(), gettext("Choose one of the listed answers."))],
            validate_choice=False,
        )
    if questionnaire.comment:
        limit = questionnaire.comment.max_length
        attrs[questionnaire.comment.id] = TextAreaField(
            text(questionnaire.comment.text),
            validators=[Length(max=limit, message=gettext(
                "The comment is too long: at most %(limit)s characters.", limit=limit))],
        )

    def validate(self, extra_validators=None) -> bool:
        ok = FlaskForm.validate(self, extra_validators)
        answer = self[screening.id]
        if answer.data and answer.data not in self._screening_keys:
            answer.errors = [*answer.errors, gettext("Say whether you have received the result.")]
            ok = False
        chosen = self["service_field"].data if field_choices else None
        if chosen not in {"", None} and chosen not in {code for code, _ in field_choices}:
            self["service_field"].errors = [gettext("Choose the field of your procedure.")]
            ok = False
        # Checked whatever the screening answer so far, so an empty send shows every problem at once.
        self.rule_errors = []
        if answer.data != "no" and not any(self[c.id].data in levels for c in questionnaire_criteria):
            self.rule_errors = [gettext(
                "Choose a level from 1 to 5 for at least one question in parts 1 to 5. "
                "The overall question does not count.")]
            ok = False
        return ok

    questionnaire_criteria = [c for e in questionnaire.elements for c in e.criteria]
    attrs["rule_errors"] = []
    attrs["validate"] = validate
    return type("SurveyForm", (FlaskForm,), attrs)


def answers_from(form: FlaskForm, questionnaire: Questionnaire) -> dict[str, int | None]:
    """The rated answers of a validated form: item id → 1–5 or None."""
    result: dict[str, int | None] = {}
    for question_id in questionnaire.rated_ids():
        raw = form[question_id].data
        result[question_id] = int(raw) if raw not in (None, "", NOT_APPLICABLE) else None
    return result


def demographics_from(form: FlaskForm, questionnaire: Questionnaire) -> dict[str, str]:
    """The optional demographic answers that were given."""
    return {q.id: form[q.id].data for q in questionnaire.demographics
            if form[q.id].data not in (None, "", NOT_APPLICABLE)}
