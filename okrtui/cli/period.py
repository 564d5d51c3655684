"""``okrtui report`` and ``okrtui period …``, plus the OKR-file side of export/import.

Registered on the main group by ``okrtui/cli/main.py``. Like the rest of the CLI this
module imports no Textual, and store modules only inside the commands, so
``okrtui checkin`` does not pay for them. Refusals raise ``DomainError``, which
the main group turns into a message and exit code 1 with nothing written.
"""

from pathlib import Path

import click

from okrtui.cli.common import app_context as _app
from okrtui.cli.common import db_option
from okrtui.context import AppContext
from store.errors import DomainError


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from store.io.report import write_new_file

    write_new_file(output, text)
    click.echo(f"wrote {output}", err=True)


# --- report -------------------------------------------------------------------------------


@click.command("report")
@click.option("--period", "-p", help="Period name (default: the active one).")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this new file instead of standard output.",
)
@db_option
@click.pass_context
def report(ctx: click.Context, period: str | None, fmt: str, output: Path | None) -> None:
    """A period's OKR tree, what changed this week and the KPIs (Markdown, CSV or JSON)."""
    from store.io.report import build_report, render
    from store.queries import resolve_period

    app = _app(ctx)
    db = app.database()
    found = resolve_period(db, period)
    _emit(render(build_report(db, found.id, thresholds=app.thresholds), fmt), output)


# --- periods ------------------------------------------------------------------------------


@click.group("period")
def period() -> None:
    """List, create, activate and close periods."""


@period.command("list")
@db_option
@click.pass_context
def period_list(ctx: click.Context) -> None:
    """Every period with its dates, state, number of objectives and average score."""
    from okrtui.cli.output import safe
    from store.format import format_percent
    from store.read.periods import period_summaries

    app = _app(ctx)
    rows = period_summaries(app.database(), app.thresholds)
    if not rows:
        click.echo("no periods yet: okrtui period new")
    for s in rows:
        p = s.period
        click.echo(
            f"{safe(p.name, 16):<16} {p.starts_on} → {p.ends_on}  {p.state.value:<8} "
            f"{s.objectives:>3} objectives  average {format_percent(s.average):>4}"
        )


@period.command("new")
@click.argument("name", required=False)
@click.option("--start", "starts_on", metavar="YYYY-MM-DD", help="First day (default: suggested).")
@click.option("--end", "ends_on", metavar="YYYY-MM-DD", help="Last day (default: suggested).")
@click.option("--activate", is_flag=True, help="Make it the active period.")
@db_option
@click.pass_context
def period_new(
    ctx: click.Context,
    name: str | None,
    starts_on: str | None,
    ends_on: str | None,
    activate: bool,
) -> None:
    """Create the next period: by default the quarter after the latest one."""
    from okrtui.cli.output import safe
    from store.queries import list_periods
    from store.write.periods import create_next_period

    app = _app(ctx)
    db = app.database()
    saved = create_next_period(
        db, app.user.username, name=name, starts_on=starts_on, ends_on=ends_on, activate=activate
    )
    made = next(p for p in list_periods(db) if p.id == saved.id)
    click.echo(f"created {safe(made.name)} {made.starts_on} → {made.ends_on} ({made.state.value})")


@period.command("activate")
@click.argument("name")
@db_option
@click.pass_context
def period_activate(ctx: click.Context, name: str) -> None:
    """Make a period the active one (the previous active one returns to planning)."""
    from okrtui.cli.output import safe
    from store.queries import resolve_period
    from store.write.periods import activate_period

    app = _app(ctx)
    found = resolve_period(app.database(), name)
    activate_period(app.database(), app.user.username, found.id)
    click.echo(f"{safe(found.name)} is now the active period")


def _ref_values(pairs: tuple[str, ...], option: str) -> dict[int, str]:
    from store.domain.validation import parse_reference

    out: dict[int, str] = {}
    for pair in pairs:
        ref, sep, value = pair.partition("=")
        oid = parse_reference(ref, "O")
        if not sep or oid is None:
            raise click.UsageError(f"{option} takes O-N=VALUE, got {pair!r}")
        out[oid] = value
    return out


@period.command("close")
@click.argument("name")
@click.option(
    "--grade",
    "grades",
    multiple=True,
    metavar="O-N=0.7",
    help="Final grade of an objective (default: its score). Repeatable.",
)
@click.option(
    "--note",
    "notes",
    multiple=True,
    metavar="O-N=TEXT",
    help="Retrospective note of an objective. Repeatable.",
)
@click.option(
    "--roll",
    "rolls",
    multiple=True,
    metavar="O-N",
    help="Roll this unfinished objective over into the next period. Repeatable.",
)
@click.option("--roll-unfinished", is_flag=True, help="Roll over every unfinished objective.")
@click.option("--dry-run", is_flag=True, help="Show the grades and roll-overs; change nothing.")
@db_option
@click.pass_context
def period_close(
    ctx: click.Context,
    name: str,
    grades: tuple[str, ...],
    notes: tuple[str, ...],
    rolls: tuple[str, ...],
    roll_unfinished: bool,
    dry_run: bool,
) -> None:
    """Grade every objective, roll unfinished ones over, and close the period (read-only)."""
    from okrtui.cli.output import safe
    from store.domain.validation import parse_reference
    from store.queries import load_tree, resolve_period
    from store.write.close_period import (
        ObjectiveReview,
        close_period,
        default_grade,
        is_unfinished,
        parse_grade,
        roll_target,
    )

    app = _app(ctx)
    db = app.database()
    found = resolve_period(db, name)
    tree = load_tree(db, found.id, app.thresholds)
    grade_of = {
        oid: parse_grade(v, f"the grade of O-{oid}")
        for oid, v in _ref_values(grades, "--grade").items()
    }
    note_of = _ref_values(notes, "--note")
    rolled = set()
    for ref in rolls:
        oid = parse_reference(ref, "O")
        if oid is None:
            raise click.UsageError(f"--roll takes an objective reference such as O-3, got {ref!r}")
        rolled.add(oid)
    for oid in {*grade_of, *note_of, *rolled} - set(tree.objectives):
        raise DomainError(f"O-{oid} is not an objective of {found.name}")
    reviews = []
    for _depth, row in tree.walk():
        roll = row.id in rolled or (roll_unfinished and is_unfinished(row.score))
        grade = grade_of.get(row.id, default_grade(row.score))
        reviews.append(ObjectiveReview(row.id, grade, note_of.get(row.id, ""), roll))
    if dry_run:
        target = roll_target(db, found.id)
        into = target.name + ("" if target.exists else ", created")
        for review, (_d, row) in zip(reviews, tree.walk(), strict=True):
            action = f"roll over into {safe(into)}" if review.roll_over else "close"
            click.echo(f"{row.ref:<7} grade {review.grade:.2f}  {action:<28} {safe(row.title, 50)}")
        click.echo("dry run: nothing was changed")
        return
    summary = close_period(db, app.user.username, found.id, reviews, thresholds=app.thresholds)
    click.echo(f"closed {safe(summary.period_name)}: {summary.graded} objective(s) graded")
    if summary.rolled:
        made = " (created)" if summary.target_created else ""
        pairs = ", ".join(f"O-{old} → O-{new}" for old, new in summary.rolled)
        click.echo(
            f"rolled over into {safe(summary.target_period_name)}{made}: {pairs} "
            f"({summary.key_results_copied} key results)"
        )
    if summary.activated:
        click.echo(f"{safe(summary.target_period_name)} is now the active period")


# --- OKR files: the toml/csv side of `okrtui export` and `okrtui import` -----------------


def export_okrs_toml(app: AppContext, period: str | None) -> str:
    """The TOML text ``okrtui export --format toml`` writes."""
    from store.io.okr_toml import export_toml
    from store.queries import resolve_period

    db = app.database()
    return export_toml(db, resolve_period(db, period).id)


def import_okr_file(
    app: AppContext,
    file: Path,
    *,
    period: str | None,
    dry_run: bool,
    delete_missing: bool,
    decimal: str | None = None,
) -> None:
    """``okrtui import FILE.toml|FILE.csv``: apply or add OKRs; a dry run writes nothing.

    ``decimal`` ("." or ",", from ``--decimal``) is a CSV file's decimal separator; the
    dry run of a CSV prints a table of the key results with their direction and how
    the numbers were read.
    """
    from okrtui.cli.output import safe
    from store.domain.numbers import convention_option

    db = app.database()
    user = app.user.username
    verb = "to " if dry_run else ""
    if file.suffix.lower() == ".toml":
        from store.io.okr_toml import apply_toml, read_toml

        if period is not None:
            raise click.UsageError("a TOML file names its own period; leave out --period")
        result = apply_toml(
            db, user, read_toml(file), delete_missing=delete_missing, dry_run=dry_run
        )
        name, lines = result.period, [change.text for change in result.changes]
        summary = ", ".join(
            f"{result.count(action)} {verb}{action}" for action in ("create", "update", "delete")
        )
    else:
        from store.io.okr_csv import import_csv, read_csv_text
        from store.queries import resolve_period

        if delete_missing:
            raise click.UsageError("--delete-missing applies to TOML files only")
        target = resolve_period(db, period)
        created = import_csv(db, user, target.id, read_csv_text(file), dry_run=dry_run,
                             decimal=convention_option(decimal))  # fmt: skip
        name, lines = created.period, list(created.lines)
        if dry_run and created.table:
            for row in created.table:
                click.echo(safe(row, 240))
            click.echo(safe(created.numbers, 200))
        summary = f"{created.objectives} objective(s) and {created.key_results} key result(s) " + (
            "to create" if dry_run else "created"
        )
    for line in lines:
        indent = "  " if line.startswith("  ") else ""
        click.echo(indent + safe(line, 200))
    tail = "; dry run, nothing was changed" if dry_run else ""
    click.echo(f"{safe(name)}: {summary}{tail}" if lines else f"{safe(name)}: nothing to change")
