"""``okrtui checkin KR VALUE``: a check-in from the shell, in tens of milliseconds.

Imports neither Textual nor SQLAlchemy: the write is store/write/checkins.py's plain SQL
(tests/cli/test_cli.py asserts both). ``--list`` shows my key results, ``--weekly`` opens the
guided weekly check-in.
"""

import click

from okrtui.cli.common import EXIT_REFUSED, ValueCommand, db_option, fail, open_tui
from okrtui.cli.common import app_context as _app
from okrtui.context import AppContext

CONFIDENCE = click.Choice(["on-track", "at-risk", "off-track"], case_sensitive=False)


@click.command(cls=ValueCommand)
@click.argument("key_result", required=False)
@click.argument("value", required=False)
@click.option("--confidence", "-c", type=CONFIDENCE, help="How confident you are now.")
@click.option("--note", "-n", default="", help="What happened since the last check-in.")
@click.option("--list", "list_", is_flag=True, help="List my key results and exit.")
@click.option("--weekly", is_flag=True, help="Open the app in the guided weekly check-in.")
@click.option("--yes", "-y", is_flag=True, help="Record a value far outside the KR's range.")
@db_option
@click.pass_context
def checkin(
    ctx: click.Context,
    key_result: str | None,
    value: str | None,
    confidence: str | None,
    note: str,
    list_: bool,
    weekly: bool,
    yes: bool,
) -> None:
    """Record a key result's new VALUE: okrtui checkin KR-12 42 --note "…".

    A KR driven by a KPI takes no VALUE (its value is the KPI's): give
    --confidence and --note only. A value more than 10x the KR's range beyond its
    start or target, or of the opposite sign, needs --yes (a typo is likelier).
    """
    app = _app(ctx)
    if list_:
        _print_my_krs(app)
        return
    if weekly:
        if key_result is not None:
            raise click.UsageError("--weekly walks through all your key results: give none")
        open_tui(app, start="weekly")
        return
    if key_result is None:
        raise click.UsageError("give a key result and a value, e.g. okrtui checkin KR-12 42")
    db = app.database()
    from okrtui.cli.output import checkin_line
    from store.errors import FarOutside, NotFoundError
    from store.read.refs import kpi_driven, resolve_key_result
    from store.write.checkins import check_in

    try:
        kr_id = resolve_key_result(db, key_result)
    except NotFoundError as exc:
        if exc.suggestions:
            raise
        fail(f"{exc}; `okrtui checkin --list` shows your key results", EXIT_REFUSED)
    if value is None and not kpi_driven(db, kr_id):
        raise click.UsageError(f"give KR-{kr_id} a value, e.g. okrtui checkin KR-{kr_id} 42")
    try:
        result = check_in(
            db, app.user.username, kr_id, value, confidence=confidence, note=note,
            thresholds=app.thresholds, confirmed=yes,
        )  # fmt: skip
    except FarOutside as exc:
        fail(f"KR-{kr_id}: {exc.reason}; nothing was recorded. If it is right, run it again "
             "with --yes", EXIT_REFUSED)  # fmt: skip
    click.echo(checkin_line(result))


def _print_my_krs(app: AppContext) -> None:
    """My key results in the default period, under a header naming the columns; the
    value is never cut (its column is as wide as the widest)."""
    from datetime import UTC, date, datetime

    from okrtui.cli.output import safe
    from store.format import days_ago, kr_value
    from store.read.periods import default_period
    from store.read.tree import my_key_results

    period = default_period(app.database())
    if period is None:
        fail("there is no period yet", EXIT_REFUSED)
    rows = my_key_results(app.database(), app.user.username, period.id, app.thresholds)
    if not rows:
        click.echo(f"you ({app.user.username}) have no key results in {safe(period.name)}")
        return
    lines: list[tuple[str, str, str, str, str]] = []
    for objective, kr in rows:
        when = kr.current_at
        if isinstance(when, datetime):
            days: int | None = (datetime.now(UTC) - when).days
        elif isinstance(when, date):
            days = (date.today() - when).days
        else:
            days = None
        last = "never" if days is None else days_ago(days)
        lines.append((kr.ref, safe(kr.title, 40), safe(kr_value(kr)), last, safe(objective, 30)))
    value_width = max(len("now / target"), *(len(line[2]) for line in lines))
    header = ("KR", "key result", "now / target", "last check-in", "objective")
    for ref, title, value, last, objective in [header, *lines]:
        click.echo(f"{ref:<8} {title:<40} {value:>{value_width}}  {last:<13}  {objective}")
