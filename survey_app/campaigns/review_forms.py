"""Forms of the review queue and of the screening settings (CSRF on both)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from survey_app.services.review import NOTE_LIMIT
from survey_app.services.screening import RULES

DOSSIER_LABELS = {
    "off": _l("Not asked"),
    "optional": _l("Asked, optional"),
    "required": _l("Asked, required"),
}


class WholeNumberField(IntegerField):
    """An integer input whose refusal of "ten" or "1.5" says the same plain words as an empty one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter a whole number."))) from None


class ReviewForm(FlaskForm):
    """The reason recorded with a decision; the chosen responses and the decision come as plain inputs."""

    note = TextAreaField(_l("Reason for the decision"), validators=[Length(max=NOTE_LIMIT)])


def screening_form_class() -> type[FlaskForm]:
    """A form with ``<rule>-on`` and ``<rule>-<parameter>`` inputs for every rule, and the dossier setting."""
    attrs: dict[str, object] = {
        "dossier_code": RadioField(_l("Dossier number on the citizen form"),
                                   choices=[SelectChoice(k, v) for k, v in DOSSIER_LABELS.items()],
                                   validators=[InputRequired()]),
    }
    for rule in RULES:
        attrs[f"{rule.id}-on"] = BooleanField(rule.label)
        for parameter in rule.parameters:
            attrs[f"{rule.id}-{parameter.name}"] = WholeNumberField(parameter.label, validators=[
                InputRequired(message=_l("Enter a whole number.")),
                NumberRange(parameter.low, parameter.high,
                            message=_l("Enter a whole number from %(min)s to %(max)s."))])
    return type("ScreeningForm", (FlaskForm,), attrs)
