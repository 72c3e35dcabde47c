"""Flask-WTF forms of the campaigns area: campaign set-up, volumes upload, sample plan."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from analysis.csvfile import CountError, parse_count
from analysis.planning import METHODS

METHOD_LABELS = {
    "proportional": _l("Proportional to volume"),
    "equal": _l("Equal per stratum"),
    "neyman": _l("Neyman (optimal)"),
    "power": _l("Power (volume^q)"),
    "min-proportional": _l("Minimum per stratum, rest proportional"),
}
DEFAULT_TOTAL = 270
DEFAULT_METHOD = "min-proportional"
DEFAULT_MINIMUM = 5
DEFAULT_POWER = 0.5


def _decimal_text(value) -> str:
    """A number as the page's language writes it, without thousands grouping and without trailing zeros:
    90, 90,5 or 0,5 in Vietnamese (90, 90.5, 0.5 in English), like the tables beside the inputs."""
    return format_decimal(value, format="0.###")


class CommaDecimalField(DecimalField):
    """A decimal that takes a comma or a point as the decimal mark (90,5 or 90.5), shown as the page's language
    writes it (90 rather than 90.0); what could not be read is shown as typed. A text box: a number box
    would drop 90,5 on a page in Vietnamese."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "decimal"}, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([str(v).strip().replace(",", ".") for v in valuelist])

    def _value(self):
        if self.data is not None:
            return _decimal_text(self.data)
        return self.raw_data[0] if self.raw_data else ""


class CountField(IntegerField):
    """A whole number as people write it, read like a volume in a CSV file: 1200, 1.200 or 1 200 (a text box:
    a number box would read 1.200 as 1.2)."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "numeric"}, **kwargs)

    def _value(self):
        if self.data is not None:
            return str(self.data)  # plain digits: 1200 reads the same in every language
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_count(str(valuelist[0]))
        except CountError as exc:
            self.data = None
            raise ValueError(self.invalid_value_message) from exc


class CommaFloatField(FloatField):
    """A float that takes a comma or a point as the decimal mark (0,5 or 0.5), shown in the page's language
    (in a text box, like ``CommaDecimalField``)."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "decimal"}, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([str(v).strip().replace(",", ".") for v in valuelist])

    def _value(self):
        if self.data is not None:
            return _decimal_text(self.data)
        return self.raw_data[0] if self.raw_data else ""


class DayField(DateField):
    """A date typed as dd/mm/yyyy (02/12/2026), as Vietnamese and British readers write it; the ISO form
    2026-12-02 is read too. A text input: a browser's date input would show its own locale's format."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"], **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _none_if_blank(value):
    return value or None


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class CsrfForm(FlaskForm):
    """A form with nothing but the CSRF token, for buttons that post (status, revoke, reissue, quotas)."""


class CampaignForm(FlaskForm):
    """A campaign's identity, period, questionnaire, target and strata (site × field pairs "site:field")."""

    code = StringField(_l("Code"), filters=[_strip, _lower],
                       description=_l("Short and stable, used in addresses and exports, e.g. stp-2026."))
    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=255, message=_l("At most %(max)d characters."))])
    agency = SelectField(_l("Owning agency (optional)"), choices=[],
                         invalid_choice_message=_l("Choose an agency from the list."))
    period_start = DayField(_l("Period start"), validators=[Optional()],
                            invalid_value_message=_l("Enter a date as day/month/year, e.g. 31/01/2026."))
    period_end = DayField(_l("Period end"), validators=[Optional()],
                          invalid_value_message=_l("Enter a date as day/month/year, e.g. 31/01/2026."))
    questionnaire = SelectField(_l("Questionnaire"), choices=[],
                                invalid_choice_message=_l("Choose a questionnaire from the list."))
    target_percent = CommaDecimalField(
        _l("Target (percent satisfied)"), places=1, default=Decimal("90"),
        invalid_value_message=_l("Enter the target as a percentage, e.g. 90."),
        description=_l("Share of satisfied citizens to reach, between 50 and 99 percent."),
        validators=[InputRequired(message=_l("Enter the target as a percentage, e.g. 90.")),
                    NumberRange(min=50, max=99, message=_l("The target lies between %(min)s %% and %(max)s %%."))])
    strata = SelectMultipleField(_l("Strata (site × field)"), choices=[],
                                 invalid_choice_message=_l("Choose only sites and fields from the table."))

    def validate_period_end(self, field) -> None:
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("The period cannot end before it starts."))

    def set_choices(self, agencies, questionnaires, cells) -> None:
        """Fill the choices from the database rows the view read."""
        self.agency.choices = [SelectChoice("", "—")] + [SelectChoice(str(a.id), a.name) for a in agencies]
        self.questionnaire.choices = [SelectChoice(str(q.id), q.key) for q in questionnaires]
        self.strata.choices = [SelectChoice(f"{site.id}:{f.id}", f"{site.code} × {f.code}")
                               for site, fields in cells for f in fields]

    @property
    def target(self) -> Decimal:
        """The target as a share (0.90), to three decimals."""
        return (self.target_percent.data / 100).quantize(Decimal("0.001"))

    @property
    def pairs(self) -> set[tuple[int, int]]:
        """The chosen strata as (site id, field id)."""
        return {tuple(int(part) for part in value.split(":")) for value in self.strata.data or []}


class VolumesForm(FlaskForm):
    """A CSV file of service volumes: site,field,volume."""

    file = FileField(_l("CSV file of service volumes"), validators=[FileRequired(message=_l("Choose a CSV file."))])


class PlanForm(FlaskForm):
    """Parameters of the sample plan: posted with CSRF to apply; built with ``meta={"csrf": False}``
    from the query string to preview."""

    total = CountField(_l("Total forms"), default=DEFAULT_TOTAL,
                       invalid_value_message=_l("Enter a whole number of at least 1."), validators=[
        InputRequired(message=_l("Enter the total number of forms.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number of at least 1."))])
    prior = StringField(_l("Earlier campaign whose results guide Neyman"), filters=[_strip, _lower, _none_if_blank])
    method = RadioField(_l("Method to apply"), default=DEFAULT_METHOD,
                        choices=[SelectChoice(m, METHOD_LABELS[m]) for m in METHODS],
                        invalid_choice_message=_l("Choose a method."))
    minimum = CountField(_l("Minimum per stratum"), default=DEFAULT_MINIMUM,
                         invalid_value_message=_l("Enter a whole number of at least 0."), validators=[
        InputRequired(message=_l("Enter the minimum per stratum.")),
        NumberRange(min=0, max=100_000, message=_l("Enter a whole number of at least 0."))])
    power = CommaFloatField(_l("Power q"), default=DEFAULT_POWER, description=_l("0 = equal, 1 = proportional."),
                            invalid_value_message=_l("Enter q between 0 and 1."), validators=[
        InputRequired(message=_l("Enter q between 0 and 1.")),
        NumberRange(min=0, max=1, message=_l("Enter q between 0 and 1."))])



class DrawForm(FlaskForm):
    """A dossiers list and the seed of the random draw; the button pressed says which file to download."""

    file = FileField(_l("CSV file of completed dossiers"),
                     validators=[FileRequired(message=_l("Choose a CSV file."))])
    seed = CountField(_l("Seed of the random draw"),
                      invalid_value_message=_l("Enter the seed as a whole number, e.g. 204817."),
                      description=_l("Any whole number. Write it down: the same list and the same seed always "
                                     "give the same draw."),
                      validators=[InputRequired(message=_l("Enter the seed as a whole number, e.g. 204817.")),
                                  NumberRange(min=0, max=2**63 - 1,
                                              message=_l("Enter the seed as a whole number, e.g. 204817."))])
    which_letters = RadioField(_l("Letters to print"), default="sample", choices=[
        SelectChoice("sample", _l("The sample (rank 0): send these first")),
        SelectChoice("replacements", _l("The replacements (rank 1, 2, …), when someone cannot be reached")),
        SelectChoice("all", _l("All"))], invalid_choice_message=_l("Choose which letters to print."))
