"""``okrtui period …``: list, create, activate and close (grade, roll over) periods.

Registered on the main group by ``okrtui/cli/main.py``. Like the rest of the CLI this
module imports no Textual, and store modules only inside the commands, so
``okrtui checkin`` does not pay for them. Refusals raise ``DomainError``, which
the main group turns into a message and exit code 1 with nothing written.
"""

import click

from okrtui.cli.common import app_context as _app
from okrtui.cli.common import db_option
from store.errors import DomainError

# --- report -------------------------------------------------------------------------------


# --- periods ------------------------------------------------------------------------------


@click.group("period")
def period() -> None:
    """List, create, activate and close periods."""


@period.command("list", short_help="Every period: dates, state, objectives, score.")
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


@period.command("new", short_help="Create a period (by default the next quarter).")
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
    from store.read.periods import list_periods
    from store.write.periods import create_next_period

    app = _app(ctx)
    db = app.database()
    saved = create_next_period(
        db, app.user.username, name=name, starts_on=starts_on, ends_on=ends_on, activate=activate
    )
    made = next(p for p in list_periods(db) if p.id == saved.id)
    click.echo(f"created {safe(made.name)} {made.starts_on} → {made.ends_on} ({made.state.value})")


@period.command("activate", short_help="Make a period the active one.")
@click.argument("name")
@db_option
@click.pass_context
def period_activate(ctx: click.Context, name: str) -> None:
    """Make a period the active one (the previous active one returns to planning)."""
    from okrtui.cli.output import safe
    from store.read.periods import resolve_period
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


@period.command("close", short_help="Grade, roll over and close a period.")
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
    from store.format import counted
    from store.read.periods import resolve_period
    from store.read.tree import load_tree
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
    click.echo(f"closed {safe(summary.period_name)}: {counted(summary.graded, 'objective')} graded")
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
