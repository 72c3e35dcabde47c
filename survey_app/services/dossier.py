"""The dossier number of the receipt (mã hồ sơ trên giấy biên nhận), asked on the citizen form when the
campaign says so (``Campaign.dossier_code``: off, optional or required).

A citizen who receives a result holds a receipt (giấy tiếp nhận hồ sơ và hẹn
trả kết quả) with the dossier's number. Asking it lets screening flag a second
response about the same dossier (``services/screening``), which makes stuffing
a counter with answers much harder. The number is personal-ish (it leads to a
person's file), so it is never stored, logged or kept in a held form: only its
keyed hash (``services/keyed_hash``), after normalising: case, spaces and
punctuation do not matter, so ``000.00.17.h12-250101 0001`` and
``0000017H122501010001`` are the same dossier (separators are what people drop
or mistype; the letters and digits identify the dossier).
"""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from survey_app.services.keyed_hash import campaign_hash

MODES = ("off", "optional", "required")
FIELD = "dossier_code"
"""The name of the form input (also what a held form leaves out)."""
MIN_LENGTH = 4
MAX_LENGTH = 40
"""Bounds on a normalised number (letters and digits): Vietnamese dossier numbers have about 10 to 25."""


def normalise(text: str | None) -> str:
    """The number as compared: compatibility forms folded (full-width digits), letters and digits only, upper case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(character for character in folded if character.isalnum()).upper()


def dossier_hash(campaign_id: int, text: str | None) -> str | None:
    """The keyed hash of a typed number, or None when nothing was typed."""
    number = normalise(text)
    return campaign_hash("dossier", campaign_id, number) if number else None


def with_dossier_field(form_class: type[FlaskForm], mode: str, gettext) -> type[FlaskForm]:
    """``form_class`` with the dossier-number input when ``mode`` is optional or required; unchanged when off."""
    if mode not in ("optional", "required"):
        return form_class
    required = mode == "required"

    def plausible(form, field) -> None:
        number = normalise(field.data)
        if number and not MIN_LENGTH <= len(number) <= MAX_LENGTH:
            raise ValidationError(gettext(
                "Check the dossier number: copy it exactly as printed on your receipt."))

    first = InputRequired(message=gettext("Enter the dossier number printed on your receipt.")) if required \
        else Optional()
    field = StringField(gettext("Dossier number on your receipt"), validators=[first, plausible],
                        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
                                   "maxlength": 60})
    return type(form_class.__name__, (form_class,), {FIELD: field, "dossier_required": required})
