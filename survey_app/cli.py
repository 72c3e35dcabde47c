"""``flask --app survey_app sipas …``: set-up, demo data, QR codes and posters, export, translations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_migrate import upgrade

from survey_app.extensions import db
from survey_app.models import Campaign, ServiceField, Site, Stratum
from survey_app.services import audit

TRANSLATIONS = Path(__file__).parent / "translations"


@click.group()
def sipas() -> None:
    """SIPAS survey administration."""


@sipas.command("init")
@click.option("--no-admin", is_flag=True,
              help="Do not create the first admin account (its password is printed once, so a script "
                   "that hides the output would lose it).")
@with_appcontext
def init_command(no_admin: bool) -> None:
    """Migrate the database, load fields and the standard questionnaire, create a first admin."""
    from survey_app.services.questionnaires import ensure_standard_questionnaire
    from survey_app.services.seeding import ensure_first_admin, ensure_justice_fields

    upgrade()
    fields = ensure_justice_fields()
    questionnaire, loaded = ensure_standard_questionnaire()
    password = None if no_admin else ensure_first_admin()
    db.session.commit()
    click.echo(f"database ready: {_safe_url()}")
    if fields:
        click.echo(f"service fields added: {', '.join(f.code for f in fields)}")
    if loaded:
        click.echo(f"questionnaire loaded: {questionnaire.key}")
    if password:
        click.echo("first admin account created; this password is shown only once:")
        click.echo(f"  username: admin  password: {password}")


@sipas.command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password_command(username: str) -> None:
    """Give USERNAME a new made-up password, printed once, to be changed at the next login."""
    from survey_app.models import User
    from survey_app.services.passwords import generated_password

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"there is no account '{username}'")
    password = generated_password()
    user.set_password(password)
    user.must_change_password = True
    user.is_enabled = True
    audit.record("cli", "reset_password", f"user:{user.id}", username=user.username)
    db.session.commit()
    click.echo("new password, shown only once (to be changed at the next login):")
    click.echo(f"  username: {user.username}  password: {password}")


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)


@sipas.command("demo")
@click.option("--responses", type=click.IntRange(min=0), default=0,
              help="Also add this many demo responses (marked demo:), to try the results pages.")
@with_appcontext
def demo_command(responses: int) -> None:
    """Create a demo province with an open 270-form campaign; print its counters' survey URLs."""
    from survey_app.services.demo import create_demo
    from survey_app.services.demo_responses import add_demo_responses
    from survey_app.services.tokens import survey_url

    campaign, tokens = create_demo()
    if responses:
        add_demo_responses(campaign, responses)
    db.session.commit()
    if responses:
        click.echo(f"{responses} demo responses added", err=True)
    click.echo(f"campaign {campaign.code}")
    for token in tokens:
        click.echo(f"counter {token.site.code} {token.field.code if token.field else '-'} {survey_url(token)}")


def _campaign(code: str) -> Campaign:
    from survey_app.services.campaigns import find_campaign

    campaign = find_campaign(code)
    if campaign is None:
        raise click.ClickException(f"no campaign with code '{code}'")
    return campaign


@sipas.command("qr")
@click.argument("campaign_code")
@click.argument("site_code")
@click.option("--field", "field_code", help="Field code when the counter serves one field only.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write; .png or .svg.")
@click.option("--format", "image_format", type=click.Choice(["png", "svg"]),
              help="Image format (default: from the file name).")
@with_appcontext
def qr_command(campaign_code: str, site_code: str, field_code: str | None, out_path: Path,
               image_format: str | None) -> None:
    """Write a counter's QR code to a file and print the survey URL it encodes."""
    from survey_app.services.qr import qr_png, qr_svg
    from survey_app.services.tokens import counter_token_for, survey_url

    campaign = _campaign(campaign_code)
    site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
    if site is None:
        raise click.ClickException(f"no site with code '{site_code}'")
    field = None
    if field_code:
        field = db.session.scalar(sa.select(ServiceField).where(ServiceField.code == field_code))
        if field is None:
            raise click.ClickException(f"no service field with code '{field_code}'")
    strata = sa.select(Stratum.id).where(Stratum.campaign_id == campaign.id, Stratum.site_id == site.id)
    if field is not None:
        strata = strata.where(Stratum.field_id == field.id)
    if db.session.scalar(strata.limit(1)) is None:
        what = f"site '{site_code}'" + (f" and field '{field_code}'" if field_code else "")
        raise click.ClickException(f"campaign '{campaign_code}' has no stratum for {what}")
    token = counter_token_for(campaign, site, field)
    url = survey_url(token)
    kind = image_format or ("svg" if out_path.suffix.lower() == ".svg" else "png")
    out_path.write_bytes(qr_svg(url) if kind == "svg" else qr_png(url))
    db.session.commit()
    click.echo(url)


@sipas.command("posters")
@click.argument("campaign_code")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PDF file to write, one page per counter.")
@click.option("--size", type=click.Choice(["A4", "A5"], case_sensitive=False), default="A4", show_default=True,
              help="Paper size (portrait).")
@with_appcontext
def posters_command(campaign_code: str, out_path: Path, size: str) -> None:
    """Write the QR posters of a campaign's active counters to one PDF; print each counter's URL."""
    from flask import current_app

    from survey_app.services.posters import campaign_tokens, poster_content, posters_pdf

    campaign = _campaign(campaign_code)
    tokens = campaign_tokens(campaign)
    if not tokens:
        raise click.ClickException(f"campaign '{campaign_code}' has no active counter")
    contents = [poster_content(token) for token in tokens]
    size = size.upper()
    with current_app.test_request_context():
        out_path.write_bytes(posters_pdf(contents, size, title=campaign.name))
    for token, content in zip(tokens, contents, strict=True):
        click.echo(f"counter {token.site.code} {token.field.code if token.field else '-'} {content.url}")
    audit.record("cli", "posters", f"campaign:{campaign.code}", size=size, format="pdf",
                 counters=[t.id for t in tokens])
    db.session.commit()
    click.echo(f"{len(tokens)} posters ({size}) written to {out_path}", err=True)


@sipas.command("export")
@click.argument("campaign_code")
@click.option("--what", type=click.Choice(["responses", "volumes", "indices"]), default=None,
              help="What to export (default: responses).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "json"]), default="csv", show_default=True,
              help="File format: responses in any; volumes as csv; indices as csv, xlsx or json.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output, csv and json only).")
@click.option("--volumes", is_flag=True, help="The same as --what volumes (the --volumes file of analysis).")
@with_appcontext
def export_command(campaign_code: str, what: str | None, fmt: str, out_path: Path | None, volumes: bool) -> None:
    """Export a campaign's accepted responses, service volumes or indices; recorded in the audit trail."""
    from survey_app.services.export_formats import campaign_download

    campaign = _campaign(campaign_code)
    what = what or ("volumes" if volumes else "responses")
    try:
        download = campaign_download(campaign, what, fmt)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if out_path is None and fmt in ("xlsx", "sav"):
        raise click.UsageError(f"a {fmt} file is binary: give --out FILE")
    out = out_path.open("wb") if out_path is not None else sys.stdout.buffer
    try:
        for chunk in download.chunks():
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    finally:
        if out_path is not None:
            out.close()
        else:
            out.flush()
    audit.record("cli", "export", f"campaign:{campaign.code}", rows=download.row_count, format=fmt, data=what)
    db.session.commit()
    if out_path is not None:
        noun = {"volumes": "strata", "indices": "figures"}.get(what, "responses")
        click.echo(f"{download.row_count} {noun} written to {out_path}", err=True)
    if what in ("responses", "indices"):
        from survey_app.services.review import excluded

        left_out = excluded(campaign)
        if left_out.total:
            click.echo(f"not counted: {left_out.flagged} flagged (waiting for review), {left_out.rejected} rejected; "
                       f"reasons: {dict(left_out.flagged_reasons + left_out.rejected_reasons) or 'none given'}",
                       err=True)


@sipas.command("report")
@click.argument("campaign_code")
@click.option("--format", "fmt", type=click.Choice(["json", "html", "pdf"]), default="pdf", show_default=True,
              help="json: the indices in the schema of 'python -m analysis score'; html or pdf: the printable report.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.")
@with_appcontext
def report_command(campaign_code: str, fmt: str, out_path: Path) -> None:
    """Write a campaign's results report (in Vietnamese) or its indices; recorded in the audit trail."""
    from flask import current_app

    from survey_app.results.report import report_html, report_pdf
    from survey_app.services.export_formats import indices_json
    from survey_app.services.results import campaign_results

    campaign = _campaign(campaign_code)
    with current_app.test_request_context():
        if fmt == "json":
            out_path.write_bytes(indices_json(campaign_results(campaign, "field", "vi")))
        elif fmt == "html":
            out_path.write_text(report_html(campaign), encoding="utf-8")
        else:
            out_path.write_bytes(report_pdf(campaign))
    audit.record("cli", "export", f"campaign:{campaign.code}", format=fmt, data="report")
    db.session.commit()
    click.echo(f"report of {campaign.code} written to {out_path}", err=True)


@sipas.group("translations")
def translations() -> None:
    """Extract, update and compile the interface catalogues (pybabel)."""


def _pybabel(*args: str) -> None:
    # Run from the project root so catalogues name source files by relative path.
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,
                   cwd=Path(__file__).parent.parent)


@translations.command("update")
def translations_update() -> None:
    """Extract texts from the code and templates and merge them into every catalogue."""
    pot = TRANSLATIONS.relative_to(TRANSLATIONS.parent.parent) / "messages.pot"
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--sort-by-file", "-o", str(pot), ".")
    _pybabel("update", "-i", str(pot), "-d", str(pot.parent), "--no-fuzzy-matching", "--width", "100")


@translations.command("compile")
def translations_compile() -> None:
    """Compile the catalogues (.po → .mo); ``make`` runs this."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


from survey_app.draw_cli import draw_command  # noqa: E402

sipas.add_command(draw_command)
