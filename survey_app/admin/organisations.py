"""Agencies (đơn vị), their sites (điểm tiếp nhận, counters) and service fields (lĩnh vực).

Records are deactivated, never deleted: campaigns and responses keep
pointing at them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from survey_app.admin import bp
from survey_app.admin.forms import KIND_LABELS, AgencyForm, ServiceFieldForm, SiteForm
from survey_app.extensions import db
from survey_app.models import Agency, ServiceField, Site
from survey_app.services import audit
from survey_app.services.codes import code_taken

KIND_OF = {Agency: "agency", Site: "site", ServiceField: "field"}


def _duplicate_message(code: str) -> str:
    return _("The code %(code)s is already used; choose another.", code=code)


def _validate(form, model, own_id: int | None = None) -> bool:
    """Validate a submitted form, and that no other record has its code (all problems shown at once)."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    if not form.code.errors and code_taken(model, form.code.data, own_id):
        form.code.errors.append(_duplicate_message(form.code.data))
        valid = False
    return valid


def _save(form, record, action: str, **values) -> bool:
    """Apply ``values`` to ``record``, audit and commit; False (with a form error) if the code was just taken."""
    model = type(record)
    if record.id is None:
        for name, value in values.items():
            setattr(record, name, value)
        db.session.add(record)
        changes = {name: {"to": value} for name, value in values.items()}
    else:
        changes = _changes_of(record, **values)
    try:
        db.session.flush()
    except IntegrityError:  # another admin took the code a moment ago
        db.session.rollback()
        form.code.errors.append(_duplicate_message(values["code"]))
        return False
    if changes:
        audit.record(current_user.username, action, f"{KIND_OF[model]}:{record.id}", code=record.code,
                     changes=_jsonable(changes))
    db.session.commit()
    return True


def _changes_of(record, **values) -> dict[str, dict]:
    """Set ``values`` on ``record``; return what changed as ``{name: {"from": old, "to": new}}`` for the audit."""
    changed = {}
    for name, value in values.items():
        old = getattr(record, name)
        if isinstance(old, list):  # a relationship collection: keep a copy of what it held
            old = list(old)
        if old != value:
            changed[name] = {"from": old, "to": value}
            setattr(record, name, value)
    return changed


def _jsonable(changes: dict) -> dict:
    """Changes as JSON for the audit: records (a site's agency, its fields) by their codes."""
    def plain(value):
        if isinstance(value, list):
            return [plain(v) for v in value]
        return getattr(value, "code", value)

    return {name: {k: plain(v) for k, v in change.items()} for name, change in changes.items()}


def _set_active(model, record_id: int, active: bool):
    record = db.get_or_404(model, record_id)
    if record.is_active != active:
        record.is_active = active
        action = ("reactivate_" if active else "deactivate_") + KIND_OF[model]
        audit.record(current_user.username, action, f"{KIND_OF[model]}:{record.id}", code=record.code)
        db.session.commit()
        flash(_("%(code)s reactivated.", code=record.code) if active else _("%(code)s deactivated.", code=record.code))
    return record


# Agencies ---------------------------------------------------------------------------------------------------------

@bp.get("/agencies")
def list_agencies():
    """All agencies with their kind and number of counters, active ones first."""
    site_counts = dict(db.session.execute(sa.select(Site.agency_id, sa.func.count()).group_by(Site.agency_id)).all())
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.is_active.desc(), Agency.code)).all()
    return render_template("admin/agencies.html", agencies=agencies, site_counts=site_counts, kinds=KIND_LABELS)


@bp.route("/agencies/new", methods=["GET", "POST"])
def create_agency():
    """Add an agency."""
    form = AgencyForm()
    if _validate(form, Agency):
        agency = Agency()
        if _save(form, agency, "create_agency", code=form.code.data, name=form.name.data, kind=form.kind.data,
                 province=form.province.data):
            flash(_("Agency %(code)s created.", code=agency.code))
            return redirect(url_for("admin.show_agency", agency_id=agency.id))
    return render_template("admin/agency_form.html", form=form, agency=None), 422 if form.errors else 200


@bp.get("/agencies/<int:agency_id>")
def show_agency(agency_id: int):
    """One agency and the list of its counters."""
    agency = db.get_or_404(Agency, agency_id)
    return render_template("admin/agency.html", agency=agency, kinds=KIND_LABELS, locale=str(get_locale()))


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
def edit_agency(agency_id: int):
    """Change an agency's code, name, kind or province."""
    agency = db.get_or_404(Agency, agency_id)
    form = AgencyForm(obj=agency)
    if _validate(form, Agency, agency.id) and _save(form, agency, "edit_agency", code=form.code.data,
                                                    name=form.name.data, kind=form.kind.data,
                                                    province=form.province.data):
        flash(_("Agency %(code)s saved.", code=agency.code))
        return redirect(url_for("admin.show_agency", agency_id=agency.id))
    return render_template("admin/agency_form.html", form=form, agency=agency), 422 if form.errors else 200


@bp.post("/agencies/<int:agency_id>/deactivate")
def deactivate_agency(agency_id: int):
    """Mark an agency as no longer in use (kept for past campaigns)."""
    return redirect(url_for("admin.show_agency", agency_id=_set_active(Agency, agency_id, False).id))


@bp.post("/agencies/<int:agency_id>/reactivate")
def reactivate_agency(agency_id: int):
    """Put a deactivated agency back in use."""
    return redirect(url_for("admin.show_agency", agency_id=_set_active(Agency, agency_id, True).id))


# Sites (counters) -------------------------------------------------------------------------------------------------

def _site_form(site: Site | None) -> tuple[SiteForm, dict[str, ServiceField]]:
    """The site form and the fields it offers: the active ones and any deactivated one the site still serves."""
    current = list(site.fields) if site is not None else []
    form = SiteForm(obj=site, service_fields=[f.code for f in current])
    locale = str(get_locale())
    active = db.session.scalars(sa.select(ServiceField).where(ServiceField.is_active.is_(True))).all()
    offered = sorted({f.id: f for f in [*active, *current]}.values(), key=lambda f: f.code)
    form.service_fields.choices = [
        SelectChoice(f.code, f.name(locale) if f.is_active else _("%(name)s (deactivated)", name=f.name(locale)))
        for f in offered]
    return form, {f.code: f for f in offered}


def _save_site(form: SiteForm, offered: dict[str, ServiceField], site: Site, action: str, **values) -> bool:
    fields = [offered[code] for code in sorted(set(form.service_fields.data or []))]
    return _save(form, site, action, **values, code=form.code.data, name=form.name.data,
                 address=form.address.data, fields=fields)


@bp.route("/agencies/<int:agency_id>/sites/new", methods=["GET", "POST"])
def create_site(agency_id: int):
    """Add a counter to an agency, with the fields it serves."""
    agency = db.get_or_404(Agency, agency_id)
    form, offered = _site_form(None)
    if _validate(form, Site):
        site = Site()
        if _save_site(form, offered, site, "create_site", agency=agency):
            flash(_("Counter %(code)s created.", code=site.code))
            return redirect(url_for("admin.show_agency", agency_id=agency.id))
    return render_template("admin/site_form.html", form=form, agency=agency, site=None), \
        422 if form.errors else 200


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def edit_site(site_id: int):
    """Change a counter's code, name, address or fields."""
    site = db.get_or_404(Site, site_id)
    form, offered = _site_form(site)
    if _validate(form, Site, site.id) and _save_site(form, offered, site, "edit_site"):
        flash(_("Counter %(code)s saved.", code=site.code))
        return redirect(url_for("admin.show_agency", agency_id=site.agency_id))
    return render_template("admin/site_form.html", form=form, agency=site.agency, site=site), \
        422 if form.errors else 200


@bp.post("/sites/<int:site_id>/deactivate")
def deactivate_site(site_id: int):
    """Mark a counter as no longer in use (kept for past campaigns)."""
    return redirect(url_for("admin.show_agency", agency_id=_set_active(Site, site_id, False).agency_id))


@bp.post("/sites/<int:site_id>/reactivate")
def reactivate_site(site_id: int):
    """Put a deactivated counter back in use."""
    return redirect(url_for("admin.show_agency", agency_id=_set_active(Site, site_id, True).agency_id))


# Service fields ---------------------------------------------------------------------------------------------------

@bp.get("/fields")
def list_fields():
    """All service fields, active ones first."""
    fields = db.session.scalars(sa.select(ServiceField).order_by(ServiceField.is_active.desc(),
                                                                  ServiceField.code)).all()
    return render_template("admin/fields.html", fields=fields)


@bp.route("/fields/new", methods=["GET", "POST"])
def create_field():
    """Add a service field."""
    form = ServiceFieldForm()
    if _validate(form, ServiceField):
        field = ServiceField()
        if _save(form, field, "create_field", code=form.code.data, name_vi=form.name_vi.data,
                 name_en=form.name_en.data):
            flash(_("Service field %(code)s created.", code=field.code))
            return redirect(url_for("admin.list_fields"))
    return render_template("admin/field_form.html", form=form, field=None), 422 if form.errors else 200


@bp.route("/fields/<int:field_id>/edit", methods=["GET", "POST"])
def edit_field(field_id: int):
    """Change a service field's code or names."""
    field = db.get_or_404(ServiceField, field_id)
    form = ServiceFieldForm(obj=field)
    if _validate(form, ServiceField, field.id) and _save(form, field, "edit_field", code=form.code.data,
                                           name_vi=form.name_vi.data, name_en=form.name_en.data):
        flash(_("Service field %(code)s saved.", code=field.code))
        return redirect(url_for("admin.list_fields"))
    return render_template("admin/field_form.html", form=form, field=field), 422 if form.errors else 200


@bp.post("/fields/<int:field_id>/deactivate")
def deactivate_field(field_id: int):
    """Stop offering a service field for counters (those serving it keep it)."""
    _set_active(ServiceField, field_id, False)
    return redirect(url_for("admin.list_fields"))


@bp.post("/fields/<int:field_id>/reactivate")
def reactivate_field(field_id: int):
    """Offer a deactivated service field again."""
    _set_active(ServiceField, field_id, True)
    return redirect(url_for("admin.list_fields"))
