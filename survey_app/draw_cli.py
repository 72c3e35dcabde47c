"""``flask --app survey_app sipas draw``: a campaign's random sample from a list of completed dossiers."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.services import audit


@click.command("draw")
@click.argument("campaign_code")
@click.argument("dossiers", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), required=True,
              help="Seed of the random draw: the same list and seed always give the same draw.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="INVITATIONS.csv to write (dossier_code,site,field,code,url,rank).")
@click.option("--letters", "letters_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write invitation letters to this PDF, one A4 page per dossier (see --letters-for).")
@click.option("--letters-for", "which", type=click.Choice(["sample", "replacements", "all"]), default="sample",
              show_default=True, help="Whose letters: the sample (rank 0), the replacements, or all.")
@with_appcontext
def draw_command(campaign_code: str, dossiers: Path, seed: int, out_path: Path, letters_path: Path | None,
                 which: str) -> None:
    """Draw CAMPAIGN's sample from DOSSIERS.csv (dossier_code,site,field,returned_on); write its invitations.

    Each stratum's quota is drawn at random, with as many replacements ranked 1, 2, …
    Run again with the same list and seed to write the same files again.
    """
    from analysis.csvfile import InputError, read_bytes
    from survey_app.campaigns.letters import letters_for, letters_pdf
    from survey_app.cli import _campaign
    from survey_app.services.invitation_files import invitations_csv
    from survey_app.services.sample_draw import draw_invitations

    campaign = _campaign(campaign_code)
    try:
        data = read_bytes(dossiers)
    except InputError as error:
        raise click.ClickException(str(error)) from None
    outcome = draw_invitations(campaign, data, seed, "cli", file=str(dossiers))
    if outcome.problems:
        db.session.rollback()
        raise click.ClickException("nothing was drawn:\n" + "\n".join(f"  {p}" for p in outcome.problems))
    out_path.write_bytes(invitations_csv(outcome.lines))
    if letters_path is not None:
        letters_path.write_bytes(letters_pdf(campaign, letters_for(outcome.lines, which)))
    audit.record("cli", "export", f"campaign:{campaign.code}", data="invitations", format="csv", seed=seed,
                 rows=len(outcome.lines), letters=which if letters_path else None)
    db.session.commit()
    draw = outcome.draw
    click.echo(f"{'drawn' if outcome.created else 'the draw made before'} with seed {seed}: {draw.listed} dossiers "
               f"listed, {draw.frame_size} in the frame, {draw.outside_period} returned outside the campaign's "
               f"period, {draw.outside_strata} of sites or fields the campaign does not survey", err=True)
    for s in outcome.strata:
        short = f" (only {s.frame} dossiers: {s.shortfall} short)" if s.shortfall else ""
        click.echo(f"stratum {s.site} {s.field}: frame {s.frame}, sample {s.sampled} of quota {s.quota}{short}, "
                   f"replacements {s.replacements}", err=True)
    click.echo(f"{len(outcome.lines)} invitations written to {out_path}"
               + (f", letters to {letters_path}" if letters_path else ""), err=True)
