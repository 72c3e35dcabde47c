"""CSV import of agencies and of sites: every row is checked first, then all are applied or none.

Uploads are capped at ``MAX_UPLOAD_BYTES``. The cap is set on the request
before anything reads the body (a URL value preprocessor runs before the
app's CSRF check, which parses the form), so an oversized upload is refused
without being stored, and the admin sees the import page with a clear message.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from survey_app.admin import bp
from survey_app.admin.forms import KIND_LABELS, ImportForm
from survey_app.extensions import db
from survey_app.models import Role, ServiceField
from survey_app.services import audit
from survey_app.services.org_import import AGENCY_COLUMNS, MAX_UPLOAD_BYTES, SITE_COLUMNS, import_csv

IMPORT_ENDPOINTS = {"admin.import_agencies": "agencies", "admin.import_sites": "sites"}
MULTIPART_ALLOWANCE = 64 * 1024  # form fields and multipart boundaries around the file
SHOWN_ERRORS = 200  # a file with more problems is wrong as a whole; the first ones say why


@bp.url_value_preprocessor
def limit_upload_size(endpoint: str | None, values: dict | None) -> None:
    """Cap the body of the import requests (the rest of the app keeps its own limits)."""
    if endpoint in IMPORT_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE


def _too_large_message() -> str:
    return _("The file is larger than %(size)s MB. Split it into smaller files.",
             size=MAX_UPLOAD_BYTES // (1024 * 1024))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """The import page again, saying the file is too large; other requests get the plain 413."""
    kind = IMPORT_ENDPOINTS.get(request.endpoint)
    if kind is None or not current_user.is_authenticated or current_user.role != Role.ADMIN.value:
        return error
    form = ImportForm(formdata=None)
    form.file.errors = [_too_large_message()]
    return _render(kind, form, []), 413


def _render(kind: str, form: ImportForm, errors: list):
    """The import page; for sites it lists the field codes the ``fields`` column may name."""
    columns = AGENCY_COLUMNS if kind == "agencies" else SITE_COLUMNS
    fields = [] if kind == "agencies" else db.session.scalars(
        sa.select(ServiceField).where(ServiceField.is_active.is_(True)).order_by(ServiceField.code)).all()
    return render_template("admin/import.html", kind=kind, form=form, errors=errors, columns=list(columns),
                           fields=fields, kinds=KIND_LABELS, locale=str(get_locale()),
                           max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), shown_errors=SHOWN_ERRORS)


def _import(kind: str):
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        summary, errors = import_csv(upload.read(MAX_UPLOAD_BYTES + 1), kind)
        if summary is not None:
            audit.record(current_user.username, f"import_{kind}", kind, filename=upload.filename or "",
                         created=summary.created, updated=summary.updated, unchanged=len(summary.unchanged))
            db.session.commit()
            flash(_("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                    created=len(summary.created), updated=len(summary.updated),
                    unchanged=len(summary.unchanged)))
            return redirect(url_for("admin.list_agencies"))
    status = 422 if form.errors or errors else 200
    return _render(kind, form, errors), status


@bp.route("/agencies/import", methods=["GET", "POST"])
def import_agencies():
    """Create or update agencies from a CSV file (code,name,kind,province)."""
    return _import("agencies")


@bp.route("/sites/import", methods=["GET", "POST"])
def import_sites():
    """Create or update counters from a CSV file (agency,code,name,address,fields)."""
    return _import("sites")
